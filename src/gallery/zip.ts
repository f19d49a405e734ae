import { zipSync } from "fflate";

export interface NamedFile {
  name: string;
  bytes: Uint8Array;
}

/**
 * One ZIP holding every file, so "download all" is a single download rather than hundreds that the
 * browser would block. PNGs are already deflated, so they are stored, not compressed again.
 */
export function zipFiles(files: readonly NamedFile[]): Uint8Array {
  const used = new Set<string>();
  const entries: Record<string, Uint8Array> = {};
  for (const { name, bytes } of files) {
    const unique = uniqueName(name, used);
    used.add(unique);
    entries[unique] = bytes;
  }
  return zipSync(entries, { level: 0 });
}

/** `name`, or `name (2).png`, `name (3).png`, … when it is taken: a ZIP keeps only one entry per name. */
function uniqueName(name: string, used: ReadonlySet<string>): string {
  if (!used.has(name)) return name;
  const dot = name.lastIndexOf(".");
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ""];
  for (let n = 2; ; n++) {
    const candidate = `${stem} (${n})${ext}`;
    if (!used.has(candidate)) return candidate;
  }
}

/** A file name for a gallery image: model, seed and a few words of the prompt, safe on every OS. */
export function imageFileName(modelId: string, seed: number, prompt: string): string {
  const words = prompt
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/, "");
  return `${[modelId, seed, words].filter((part) => part !== "").join("-")}.png`;
}
