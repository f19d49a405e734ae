/**
 * The weight cache: model files in IndexedDB, split into chunks so a 1.7 GB U-Net is written as it
 * downloads and read back into one buffer. One object store holds both kinds of value, keyed so a
 * chunk and its file's index record are written in one transaction (a crash leaves no orphans):
 *
 *   ["f", modelId, path]          → FileRecord
 *   ["c", modelId, path, index]   → Blob (the chunk's bytes)
 *
 * Chunks are Blobs, not ArrayBuffers: Chromium reads them back 3–5× faster (bench/cacheRead.ts), and a
 * file is read by joining the chunks' Blob handles and taking one arrayBuffer() of the final size.
 */
import { createSHA256, type IHasher } from "hash-wasm";
import { createStore, promisifyRequest, type UseStore } from "idb-keyval";
import { CacheCorruptError, IntegrityError } from "./errors";

/** 8 MiB: few enough IndexedDB values for a 2 GB model (~250), small enough to keep one in flight cheaply. */
export const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;
export const DEFAULT_DB_NAME = "diffusion-weights";

export interface FileRecord {
  modelId: string;
  path: string;
  /** Bytes stored so far; the file's size once complete. */
  bytes: number;
  chunkCount: number;
  /** All bytes are stored. */
  complete: boolean;
  /** Size and SHA-256 were checked when the download finished (against the manifest where it has them). */
  verified: boolean;
  /** Hex SHA-256 of the whole file, recorded when complete and checked on every read. */
  sha256?: string;
  /** Size the server announced, when it did. */
  totalBytes?: number;
  /** The server's strong ETag, sent back as If-Range so a resumed download never splices two versions. */
  etag?: string;
  /** hash-wasm's SHA-256 state after `bytes` bytes, so a resumed download need not re-read what it stored. */
  hashState?: Uint8Array;
}

export interface ModelUsage {
  modelId: string;
  /** Bytes stored, complete files and partial downloads together. */
  bytes: number;
  files: number;
  completeFiles: number;
}

export interface CacheWriter {
  /** The file's record as stored so far. */
  readonly record: Readonly<FileRecord>;
  /** Bytes durably stored; a resumed download asks the server for the rest from here. */
  readonly bytesStored: number;
  /** Remembers what the server said about the file; saved with the next chunk. */
  describe(meta: { totalBytes?: number; etag?: string }): void;
  /** Buffers bytes in arrival order and stores each full chunk. */
  append(data: Uint8Array): Promise<void>;
  /** Stores what is buffered, so a pause or a dropped connection loses nothing already received. */
  flush(): Promise<void>;
  /**
   * Stores the rest, checks size and SHA-256 against `expected` where given and marks the file complete
   * and verified. On a mismatch the file is deleted and IntegrityError thrown.
   */
  finish(expected?: { bytes?: number; sha256?: string }): Promise<FileRecord>;
  /** Deletes what is stored and starts again at byte 0 (for a server that ignored the Range header). */
  reset(): Promise<void>;
}

export interface WeightCache {
  stat(modelId: string, path: string): Promise<FileRecord | undefined>;
  /** Whether the file is complete and verified, i.e. usable. */
  has(modelId: string, path: string): Promise<boolean>;
  /** Index records of one model's files, or of every file. */
  files(modelId?: string): Promise<FileRecord[]>;
  /**
   * The whole file in one allocation of its final size, chunks copied in, its SHA-256 checked on the
   * way; undefined when the file is not complete and verified. A damaged file is deleted and
   * CacheCorruptError thrown, so bad bytes are never handed on.
   */
  readFile(modelId: string, path: string): Promise<Uint8Array | undefined>;
  /** Continues a partial file, or starts one; a complete file is replaced. */
  writer(modelId: string, path: string): Promise<CacheWriter>;
  deleteFile(modelId: string, path: string): Promise<void>;
  deleteModel(modelId: string): Promise<void>;
  usage(): Promise<ModelUsage[]>;
}

const fileKey = (modelId: string, path: string) => ["f", modelId, path];
const chunkKey = (modelId: string, path: string, index: number) => ["c", modelId, path, index];
// An empty array sorts after every string and number, so [..., []] closes a key prefix.
const prefix = (...parts: string[]) => IDBKeyRange.bound(parts, [...parts, []]);

/** Whether a storage error means "out of space", across browsers' names for it. */
export function isQuotaError(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return name === "QuotaExceededError" || name === "NS_ERROR_DOM_QUOTA_REACHED";
}

/**
 * Opens the cache in IndexedDB, or returns null (after a warning) where storage is unavailable —
 * private windows, sandboxed iframes, browsers without IndexedDB — so the caller can fall back to
 * downloading without caching.
 */
export async function openWeightCache(options: { dbName?: string; chunkBytes?: number } = {}): Promise<WeightCache | null> {
  try {
    if (typeof indexedDB === "undefined") throw new Error("IndexedDB is not available here");
    const store = createStore(options.dbName ?? DEFAULT_DB_NAME, "weights");
    // opening is lazy; a count proves the database really opens (it throws in some private modes)
    await store("readonly", (s) => promisifyRequest(s.count()));
    return createWeightCache(store, options);
  } catch (err) {
    console.warn(
      `The weight cache is off (${(err as Error).message}); models will be downloaded again on every visit.`,
    );
    return null;
  }
}

/** The cache over an idb-keyval store; tests pass a store that fails on purpose. */
export function createWeightCache(store: UseStore, options: { chunkBytes?: number } = {}): WeightCache {
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;

  const stat = (modelId: string, path: string) =>
    store("readonly", (s) => promisifyRequest(s.get(fileKey(modelId, path)) as IDBRequest<FileRecord | undefined>));

  /** The file's chunks in order (IndexedDB sorts the numeric last key part); handles only, no bytes read yet. */
  const chunksOf = (modelId: string, path: string) =>
    store("readonly", (s) => promisifyRequest(s.getAll(prefix("c", modelId, path)) as IDBRequest<unknown[]>));

  const deleteFile = (modelId: string, path: string) =>
    store("readwrite", (s) => {
      s.delete(prefix("c", modelId, path));
      s.delete(fileKey(modelId, path));
      return promisifyRequest(s.transaction);
    });

  const files = (modelId?: string) =>
    store("readonly", (s) =>
      promisifyRequest(s.getAll(modelId === undefined ? prefix("f") : prefix("f", modelId)) as IDBRequest<FileRecord[]>),
    );

  /** Feeds the stored chunks to a hasher; false when one is missing (the partial file is then unusable). */
  async function rehash(rec: FileRecord, hasher: IHasher): Promise<boolean> {
    const chunks = await chunksOf(rec.modelId, rec.path);
    if (chunks.length !== rec.chunkCount) return false;
    let total = 0;
    for (const chunk of chunks) {
      if (!(chunk instanceof Blob)) return false;
      hasher.update(new Uint8Array(await chunk.arrayBuffer()));
      total += chunk.size;
    }
    return total === rec.bytes;
  }

  async function writer(modelId: string, path: string): Promise<CacheWriter> {
    const fresh = (): FileRecord => ({ modelId, path, bytes: 0, chunkCount: 0, complete: false, verified: false });
    const hasher = await createSHA256();
    hasher.init();
    let rec = (await stat(modelId, path)) ?? fresh();
    if (rec.complete) {
      await deleteFile(modelId, path);
      rec = fresh();
    } else if (rec.bytes > 0) {
      let resumed = false;
      if (rec.hashState) {
        try {
          hasher.load(rec.hashState);
          resumed = true;
        } catch {
          // a state saved by another hash-wasm build; fall back to reading the stored bytes again
        }
      }
      if (!resumed && !(await rehash(rec, hasher.init()))) {
        await deleteFile(modelId, path);
        hasher.init();
        rec = fresh();
      }
    }

    let staging: Uint8Array<ArrayBuffer> | undefined;
    let fill = 0;
    // the hasher runs ahead of storage by one chunk while a commit is in flight; after a failed
    // commit it no longer matches what is stored, so this writer refuses further use
    let failure: unknown;

    async function commit(): Promise<void> {
      if (failure !== undefined) throw failure;
      if (!staging || fill === 0) return;
      const bytes = staging.subarray(0, fill);
      // the Blob copies the bytes, so the staging buffer can be refilled right after
      const value = new Blob([bytes]);
      hasher.update(bytes);
      const next: FileRecord = { ...rec, bytes: rec.bytes + fill, chunkCount: rec.chunkCount + 1, hashState: hasher.save() };
      try {
        await store("readwrite", (s) => {
          s.put(value, chunkKey(modelId, path, rec.chunkCount));
          s.put(next, fileKey(modelId, path));
          return promisifyRequest(s.transaction);
        });
      } catch (err) {
        failure = err;
        throw err;
      }
      rec = next;
      fill = 0;
    }

    return {
      get record() {
        return rec;
      },
      get bytesStored() {
        return rec.bytes;
      },
      describe(meta) {
        rec = { ...rec, ...meta };
      },
      async append(data) {
        staging ??= new Uint8Array(chunkBytes);
        let offset = 0;
        while (offset < data.length) {
          const n = Math.min(staging.length - fill, data.length - offset);
          staging.set(data.subarray(offset, offset + n), fill);
          fill += n;
          offset += n;
          if (fill === staging.length) await commit();
        }
      },
      flush: commit,
      async finish(expected = {}) {
        await commit();
        const sha256 = hasher.digest("hex");
        const wanted = expected.bytes ?? rec.totalBytes;
        const problem =
          wanted !== undefined && wanted !== rec.bytes
            ? `${rec.bytes} bytes instead of ${wanted}`
            : expected.sha256 !== undefined && expected.sha256.toLowerCase() !== sha256
              ? `SHA-256 ${sha256} instead of ${expected.sha256}`
              : undefined;
        if (problem) {
          await deleteFile(modelId, path);
          throw IntegrityError.of(path, problem);
        }
        const final: FileRecord = { ...rec, sha256, complete: true, verified: true };
        delete final.hashState;
        await store("readwrite", (s) => {
          s.put(final, fileKey(modelId, path));
          return promisifyRequest(s.transaction);
        });
        rec = final;
        return final;
      },
      async reset() {
        await deleteFile(modelId, path);
        rec = fresh();
        fill = 0;
        failure = undefined;
        hasher.init();
      },
    };
  }

  async function readFile(modelId: string, path: string): Promise<Uint8Array | undefined> {
    const rec = await stat(modelId, path);
    if (!rec?.complete || !rec.verified) return undefined;
    const corrupt = async (detail: string): Promise<never> => {
      await deleteFile(modelId, path);
      throw CacheCorruptError.of(path, detail);
    };
    const chunks = await chunksOf(modelId, path);
    if (chunks.length !== rec.chunkCount) return corrupt(`${chunks.length} of ${rec.chunkCount} chunks`);
    if (!chunks.every((c): c is Blob => c instanceof Blob)) return corrupt("a chunk is not a Blob");
    const size = chunks.reduce((sum, c) => sum + c.size, 0);
    if (size !== rec.bytes) return corrupt(`${size} bytes instead of ${rec.bytes}`);
    let out: Uint8Array;
    try {
      // one allocation of the final size, filled by the browser straight from its blob store
      out = new Uint8Array(await new Blob(chunks).arrayBuffer());
    } catch (err) {
      return corrupt(`unreadable: ${(err as Error).message}`);
    }
    const hasher = await createSHA256();
    const sha256 = hasher.init().update(out).digest("hex");
    if (sha256 !== rec.sha256) return corrupt(`SHA-256 ${sha256} instead of ${rec.sha256}`);
    return out;
  }

  return {
    stat,
    async has(modelId, path) {
      const rec = await stat(modelId, path);
      return rec?.complete === true && rec.verified;
    },
    files,
    readFile,
    writer,
    deleteFile,
    deleteModel: (modelId) =>
      store("readwrite", (s) => {
        s.delete(prefix("c", modelId));
        s.delete(prefix("f", modelId));
        return promisifyRequest(s.transaction);
      }),
    async usage() {
      const byModel = new Map<string, ModelUsage>();
      for (const rec of await files()) {
        const u = byModel.get(rec.modelId) ?? { modelId: rec.modelId, bytes: 0, files: 0, completeFiles: 0 };
        u.bytes += rec.bytes;
        u.files += 1;
        if (rec.complete && rec.verified) u.completeFiles += 1;
        byModel.set(rec.modelId, u);
      }
      return [...byModel.values()];
    },
  };
}

export interface StorageEstimateLike {
  usage: number;
  quota: number;
}

/** The browser's usage/quota estimate for this origin (available in workers too), if it gives one. */
export async function storageEstimate(): Promise<StorageEstimateLike | undefined> {
  try {
    const e = await navigator.storage?.estimate();
    return e?.quota !== undefined ? { usage: e.usage ?? 0, quota: e.quota } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Asks the browser not to evict the cache under storage pressure. Window-only (StorageManager.persist
 * is not exposed in workers), so the UI calls it, ideally right before a first large download.
 */
export async function requestPersistentStorage(): Promise<boolean> {
  try {
    if (await navigator.storage?.persisted?.()) return true;
    return (await navigator.storage?.persist?.()) ?? false;
  } catch {
    return false;
  }
}
