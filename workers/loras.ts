import { errorMessage, InvalidParamsError, LoraError } from "../src/errors";
import { readLora, type LoraToApply } from "../src/engine/lora";
import { loraHashesText, type LoraUse } from "../src/engine/lora/choices";
import { loraShortHash } from "../src/engine/lora/hash";
import type { LoraAction, LoraInfo } from "../src/protocol";
import type { WeightCache } from "../src/storage/weightCache";

/** The weight cache's model id the LoRA files are kept under, one file `<name>.safetensors` each. */
const LORA_MODEL_ID = "lora";
const SUFFIX = ".safetensors";

/** A file name or URL's last segment → the name prompts use (`<lora:name:0.8>`), as A1111 names by file stem. */
function loraName(fileName: string): string {
  const base = decodeURIComponent(fileName.split(/[?#]/)[0].split("/").pop() ?? "");
  return base.replace(/\.safetensors$/i, "");
}

interface ResolvedLoras {
  loras: LoraToApply[];
  /** A1111's `Lora hashes` value, empty when no LoRA applies. */
  hashes: string;
}

/** The worker's LoRA files: listed, added (checked first), removed, and read for a job. */
export function createLoraStore(cache: Promise<WeightCache | null>, fetchFile: (url: string) => Promise<Uint8Array> = fetchBytes) {
  const needCache = async (): Promise<WeightCache> => {
    const c = await cache;
    if (!c) {
      throw new LoraError("This browser gives the page no storage (private window or sandboxed frame), so LoRA files cannot be kept.");
    }
    return c;
  };

  async function list(): Promise<LoraInfo[]> {
    const c = await cache;
    if (!c) return [];
    return (await c.files(LORA_MODEL_ID))
      .filter((f) => f.complete && f.path.endsWith(SUFFIX))
      .map((f) => ({ name: f.path.slice(0, -SUFFIX.length), bytes: f.bytes }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async function add(name: string, data: Uint8Array): Promise<void> {
    if (!/^[^<>:/\\]+$/.test(name)) {
      throw new LoraError(`"${name}" cannot name a LoRA: prompts write <lora:name:strength>, so it must not hold <, >, : or slashes.`);
    }
    // refuse what could never be applied before it takes storage: not safetensors, or no LoRA pair in it
    const parsed = readLora(data, `${name}${SUFFIX}`, 1);
    if (parsed.modules.length === 0) {
      throw new LoraError(
        `${name}${SUFFIX} holds no LoRA weights this app can apply (no lora_down/lora_up or lora_A/lora_B pairs` +
          `${parsed.unknown.length > 0 ? `; it has e.g. ${parsed.unknown.slice(0, 3).join(", ")}` : ""}).`,
      );
    }
    const writer = await (await needCache()).writer(LORA_MODEL_ID, `${name}${SUFFIX}`);
    await writer.reset();
    await writer.append(data);
    await writer.finish({ bytes: data.length });
  }

  async function act(action: LoraAction): Promise<LoraInfo[]> {
    switch (action.op) {
      case "list":
        break;
      case "add":
        await add(action.name, action.data);
        break;
      case "addUrl":
        await add(loraName(action.url), await fetchFile(action.url));
        break;
      case "remove":
        await (await needCache()).deleteFile(LORA_MODEL_ID, `${action.name}${SUFFIX}`);
        break;
    }
    return list();
  }

  /** The key of a set of uses, from the index alone (no file read), so an unchanged set reuses its sessions. */
  async function keyOf(uses: readonly LoraUse[]): Promise<string> {
    if (uses.length === 0) return "";
    const c = await cache;
    const parts = await Promise.all(
      uses.map(async (u) => {
        const record = await c?.stat(LORA_MODEL_ID, `${u.name}${SUFFIX}`);
        if (!record?.complete) {
          const stored = (await list()).map((l) => l.name);
          throw new InvalidParamsError(
            `No LoRA named "${u.name}" is stored in this browser; add its .safetensors file in the LoRA panel` +
              (stored.length > 0 ? ` (stored: ${stored.join(", ")}).` : "."),
            { field: u.fromPrompt ? "prompt" : "loras" },
          );
        }
        return `${u.name}@${record.sha256 ?? record.bytes}:${u.strength}:${u.unetStrength ?? ""}`;
      }),
    );
    return parts.join("|");
  }

  /** Reads and parses the files of `uses` (the engine has checked with keyOf that they are stored); their A1111 hashes come with them. */
  async function resolve(uses: readonly LoraUse[]): Promise<ResolvedLoras> {
    const c = await cache;
    const loras: LoraToApply[] = [];
    const hashes = new Map<string, string>();
    for (const u of uses) {
      const data = await c?.readFile(LORA_MODEL_ID, `${u.name}${SUFFIX}`);
      if (!data) throw new LoraError(`The LoRA "${u.name}" could not be read from storage; add it again.`);
      loras.push({ ...readLora(data, u.name, u.strength), ...(u.unetStrength !== undefined ? { unetStrength: u.unetStrength } : {}) });
      if (!hashes.has(u.name)) hashes.set(u.name, await loraShortHash(data));
    }
    return { loras, hashes: loraHashesText([...hashes].map(([name, hash]) => ({ name, hash }))) };
  }

  return { act, keyOf, resolve };
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    throw new LoraError(`Could not fetch ${url}: ${errorMessage(err)}. Are you offline, or does the server refuse other sites (CORS)?`);
  }
  if (!res.ok) throw new LoraError(`Fetching ${url} failed with HTTP ${res.status} ${res.statusText}.`, { status: res.status });
  return new Uint8Array(await res.arrayBuffer());
}
