/**
 * Model sources for hub models: from the weight cache (the normal case, and the only one offline), or
 * straight from the hub when the browser gives us no storage.
 */
import type { ModelSource } from "../engine/loadModel";
import { hubFetch } from "../hub/hubFetch";
import { hubDownloads, variantFiles, type HubCatalogEntry } from "../hub/hubModel";
import { ModelNotDownloadedError } from "./errors";
import type { WeightCache } from "./weightCache";

export interface ModelDownloadState {
  /** Files complete (usable). */
  done: number;
  /** Of those, the files checked against a size or SHA-256 that did not come with their bytes. */
  verified: number;
  total: number;
  /** Bytes stored for this variant, partial files included. */
  bytesStored: number;
  /** Paths still to download (or to finish). */
  missing: string[];
}

/** How far one variant of a hub model is downloaded, from the cache's index alone (no data read). */
export async function downloadState(cache: WeightCache, entry: HubCatalogEntry, variantId: string): Promise<ModelDownloadState> {
  const records = new Map((await cache.files(entry.manifest.id)).map((r) => [r.path, r]));
  const state: ModelDownloadState = { done: 0, verified: 0, total: 0, bytesStored: 0, missing: [] };
  for (const { path } of variantFiles(entry.manifest, variantId)) {
    const rec = records.get(path);
    state.total += 1;
    state.bytesStored += rec?.bytes ?? 0;
    if (rec?.complete) state.done += 1;
    else state.missing.push(path);
    if (rec?.complete && rec.verified) state.verified += 1;
  }
  return state;
}

/** The first variant that lists the path (the tokenizer's files are in all of them). */
function variantOf(entry: HubCatalogEntry, path: string): string {
  const { manifest } = entry;
  return (manifest.variants.find((v) => variantFiles(manifest, v.id).some((f) => f.path === path)) ?? manifest.variants[0]).id;
}

const manifestBytes = (entry: HubCatalogEntry) => new TextEncoder().encode(JSON.stringify(entry.manifest));

/**
 * A ModelSource over the weight cache. `model.json` is the catalog's manifest; every other file must be
 * complete, else ModelNotDownloadedError says how many of the variant's files are there.
 * Each read checks the file's SHA-256, and a damaged file is deleted (CacheCorruptError). A file too large for
 * one buffer (`read` throws FileTooLargeError and keeps it) is located instead: checked chunk by chunk, then
 * handed to ONNX Runtime as a blob: URL over the stored chunks, which it streams into memory of its own.
 */
export function cachedSource(cache: WeightCache, entry: HubCatalogEntry, variantId?: string): ModelSource {
  const modelId = entry.manifest.id;
  const urls = new Map<string, string>();
  const notDownloaded = async (path: string): Promise<never> => {
    const { done, total } = await downloadState(cache, entry, variantId ?? variantOf(entry, path));
    throw ModelNotDownloadedError.of(entry.manifest.name, done, total);
  };
  return {
    async read(path) {
      if (path === "model.json") return manifestBytes(entry);
      return (await cache.readFile(modelId, path)) ?? notDownloaded(path);
    },
    async locate(path) {
      const rec = path === "model.json" ? undefined : await cache.stat(modelId, path);
      if (!rec?.complete || rec.bytes <= cache.maxWholeReadBytes) return undefined;
      const blob = (await cache.verifiedBlob(modelId, path)) ?? (await notDownloaded(path));
      // one URL per file at a time: a reload of the model lets go of the previous one
      const old = urls.get(path);
      if (old) URL.revokeObjectURL(old);
      const url = URL.createObjectURL(blob);
      urls.set(path, url);
      return url;
    },
  };
}

/**
 * A ModelSource that reads straight from the hub, for browsers that give us no storage (the cache
 * opened as null): nothing is kept, so every visit downloads again.
 */
export function hubSource(entry: HubCatalogEntry, variantId: string, hubBase: string, fetchFn?: typeof fetch): ModelSource {
  const urls = new Map(hubDownloads(entry, variantId, hubBase).map((d) => [d.path, d.url]));
  return {
    async read(path) {
      if (path === "model.json") return manifestBytes(entry);
      const url = urls.get(path);
      if (!url) throw new RangeError(`${path} is not a file of ${entry.manifest.name} (${variantId}).`);
      const res = await hubFetch(url, { cache: "no-store" }, { fetch: fetchFn, what: `${entry.manifest.name}: ${path}` });
      return new Uint8Array(await res.arrayBuffer());
    },
  };
}
