/**
 * A model kept on a Hugging Face-style hub: its manifest, the repository (and revision) its files come from,
 * and the list of downloads one of its variants takes. The catalog's hub models and custom models added by
 * URL are both such entries; the downloader and the weight cache take them without knowing the catalog.
 */
import type { ModelFile, ModelManifest, ModelPart } from "../manifest";
import { hubFileUrl } from "./urls";

/** A file in a hub repository at a revision (e.g. a tokenizer.json taken from another repo than the model's own). */
export interface HubFileOverride {
  repo: string;
  revision: string;
  path: string;
}

export interface HubSource {
  hub: "hf";
  repo: string;
  /** A commit hash where known, so the recorded hashes stay valid; else a branch. */
  revision: string;
  /** By path in the manifest. */
  files?: Record<string, HubFileOverride>;
  /** The hub this model was found on (custom models added by URL or while `?hub=` was set); else the hub setting. */
  base?: string;
}

export interface HubCatalogEntry {
  kind: "hub";
  manifest: ModelManifest;
  source: HubSource;
  /** Approximate size of a full download per variant id, for the picker before the real sizes are recorded. */
  downloadBytes: Record<string, number>;
  /** Ranges the model was distilled for; the UI should clamp or warn outside them. */
  recommended?: { steps: { min: number; max: number }; guidance: { min: number; max: number } };
}

/** One file to download: where it goes in the cache, where it comes from, what it must be. */
export interface FileDownload {
  modelId: string;
  path: string;
  url: string;
  expected?: { bytes?: number; sha256?: string };
}

const PARTS: readonly ModelPart[] = ["text_encoder", "text_encoder_2", "unet", "vae_decoder", "vae_encoder"];

/** Every file a variant needs, tokenizer first, each once, with whatever size and hash the manifest gives. */
export function variantFiles(manifest: ModelManifest, variantId: string): ModelFile[] {
  const variant = manifest.variants.find((v) => v.id === variantId);
  if (!variant) throw new RangeError(`${manifest.name} has no variant "${variantId}".`);
  const files: ModelFile[] = [];
  for (const t of [manifest.tokenizer, ...(manifest.textEncoders ?? []).map((e) => e.tokenizer)]) {
    if (!t) continue;
    for (const path of [t.path, t.mergesPath, t.configPath, t.specialTokensPath]) if (path) files.push({ path });
  }
  for (const part of PARTS) {
    const file = variant.files[part];
    if (!file) continue;
    const { externalData, ...graph } = file;
    files.push(graph, ...(externalData ?? []));
  }
  return files.filter((f, i) => files.findIndex((g) => g.path === f.path) === i);
}

/** The downloads of one variant of a hub model, addresses resolved against `hubBase`. */
export function hubDownloads(entry: HubCatalogEntry, variantId: string, hubBase: string): FileDownload[] {
  const { source, manifest } = entry;
  return variantFiles(manifest, variantId).map((file) => {
    const from = source.files?.[file.path] ?? { repo: source.repo, revision: source.revision, path: file.path };
    const expected = file.bytes !== undefined || file.sha256 !== undefined ? { bytes: file.bytes, sha256: file.sha256 } : undefined;
    return {
      modelId: manifest.id,
      path: file.path,
      url: hubFileUrl(source.base ?? hubBase, from.repo, from.revision, from.path),
      ...(expected ? { expected } : {}),
    };
  });
}
