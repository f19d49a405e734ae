/**
 * The weight cache: model files in IndexedDB, split into chunks so a 1.7 GB U-Net is written as it
 * downloads and read back into one buffer. One object store holds both kinds of value, keyed so a
 * chunk and its file's index record are written in one transaction (a crash leaves no orphans):
 *
 *   ["f", modelId, path]          → FileRecord
 *   ["c", modelId, path, index]   → Blob (the chunk's bytes)
 *
 * Chunks are Blobs, not ArrayBuffers: Chromium reads them back 3–5× faster (bench/cacheRead.ts). A file
 * is read whole by joining the chunks' Blob handles and taking one arrayBuffer() of the final size, or
 * chunk by chunk as a stream where one buffer cannot hold it (over 2 GiB).
 *
 * "Verified" means checked against something that did not come with the bytes: a size or SHA-256 pinned
 * in the manifest, or the hub's own word about the whole file (its size from HEAD or a Content-Range
 * total, its LFS SHA-256 in the ETag). A file with nothing to check against is complete but unverified.
 */
import { createSHA256, type IHasher } from "hash-wasm";
import { createStore, promisifyRequest, type UseStore } from "idb-keyval";
import { errorMessage } from "../errors";
import { CacheCorruptError, CacheReadError, FileTooLargeError, IntegrityError, type StorageFigures } from "./errors";

/** 8 MiB: few enough IndexedDB values for a 2 GB model (~250), small enough to keep one in flight cheaply. */
export const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;
export const DEFAULT_DB_NAME = "diffusion-weights";
/** The most one readFile hands over in one buffer: Chromium's Blob reads and ArrayBuffers fail beyond 2 GiB − 1. */
export const MAX_WHOLE_READ_BYTES = 2 ** 31 - 1;

/** What a finished file was checked against; the bytes' own Content-Length counts for nothing. */
export type FileCheck = "manifest size" | "manifest SHA-256" | "hub size" | "hub SHA-256";

/** What the hub says about the whole file, independent of the bytes of any one response. */
export interface HubFileFacts {
  /** From HEAD's Content-Length, X-Linked-Size or a Content-Range total. */
  totalBytes?: number;
  /**
   * totalBytes is a HEAD's Content-Length: a page cannot see Content-Encoding across origins, so it may be
   * a compressed length, and a longer (decompressed) body then proves nothing wrong.
   */
  totalIsContentLength?: boolean;
  /** The strong ETag of the first response; a resumed response with another one is another version. */
  etag?: string;
  /** The file's SHA-256 as the hub states it (an LFS file's ETag or X-Linked-Etag). */
  sha256?: string;
}

export interface FileRecord {
  modelId: string;
  path: string;
  /** Bytes stored so far; the file's size once complete. */
  bytes: number;
  chunkCount: number;
  /** All bytes are stored: usable. */
  complete: boolean;
  /** At least one check independent of the received bytes passed when the download finished (`checks`). */
  verified: boolean;
  /** What the file was checked against when it finished; absent on records from before the checks were named. */
  checks?: FileCheck[];
  /** Hex SHA-256 of the whole file, recorded when complete and checked on every read. */
  sha256?: string;
  /** The hub's size for the whole file (not a response's Content-Length). */
  totalBytes?: number;
  /** See HubFileFacts.totalIsContentLength. */
  totalIsContentLength?: boolean;
  /** The first response's strong ETag: a resumed response must carry the same. */
  etag?: string;
  /** The SHA-256 the hub states for the file, checked when it finishes. */
  hubSha256?: string;
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
  /** Remembers what the hub said about the whole file; saved with the next chunk. */
  describe(facts: HubFileFacts): void;
  /** Buffers bytes in arrival order and stores each full chunk. */
  append(data: Uint8Array): Promise<void>;
  /** Stores what is buffered, so a pause or a dropped connection loses nothing already received. */
  flush(): Promise<void>;
  /**
   * Stores the rest and marks the file complete, checking size and SHA-256 against the manifest's
   * `expected` where given, else against what `describe` recorded; `verified` and `checks` say which
   * checks there were. On a mismatch the file is deleted and IntegrityError thrown.
   */
  finish(expected?: { bytes?: number; sha256?: string }): Promise<FileRecord>;
  /** Deletes what is stored and starts again at byte 0 (for a server that ignored the Range header). */
  reset(): Promise<void>;
}

export interface WeightCache {
  stat(modelId: string, path: string): Promise<FileRecord | undefined>;
  /** Whether the file is complete, i.e. usable. */
  has(modelId: string, path: string): Promise<boolean>;
  /** Index records of one model's files, or of every file. */
  files(modelId?: string): Promise<FileRecord[]>;
  /**
   * The whole file in one allocation of its final size, its SHA-256 checked; undefined when the file is
   * not complete. A file whose size or hash no longer matches is deleted and CacheCorruptError thrown, so
   * bad bytes are never handed on. A file too large for one buffer throws FileTooLargeError and a failed
   * read CacheReadError; both keep the file.
   */
  readFile(modelId: string, path: string): Promise<Uint8Array | undefined>;
  /**
   * The file chunk by chunk (each a fresh buffer the reader may keep), for files too large to read
   * whole; undefined when it is not complete. The SHA-256 is checked as the chunks pass: on a mismatch
   * the stream errors with CacheCorruptError after the last chunk (the file is deleted), so a reader
   * must not use what it got until the stream closes cleanly.
   */
  readStream(modelId: string, path: string): Promise<ReadableStream<Uint8Array> | undefined>;
  /**
   * The file as one Blob over its stored chunks (no bytes copied into memory), after reading it through once to
   * check its SHA-256 (a damaged file is deleted, CacheCorruptError); undefined when it is not complete. For files
   * too large for readFile: a blob: URL of it lets ONNX Runtime stream it into memory of its own.
   */
  verifiedBlob(modelId: string, path: string): Promise<Blob | undefined>;
  /** The largest file readFile hands over in one buffer. */
  readonly maxWholeReadBytes: number;
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
    console.warn(`The weight cache is off (${errorMessage(err)}); models will be downloaded again on every visit.`);
    return null;
  }
}

/** The cache over an idb-keyval store; tests pass a store that fails on purpose. */
export function createWeightCache(store: UseStore, options: { chunkBytes?: number; maxWholeReadBytes?: number } = {}): WeightCache {
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const maxWholeRead = options.maxWholeReadBytes ?? MAX_WHOLE_READ_BYTES;

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
    store("readonly", (s) => promisifyRequest(s.getAll(modelId === undefined ? prefix("f") : prefix("f", modelId)) as IDBRequest<FileRecord[]>));

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
      describe(facts) {
        rec = {
          ...rec,
          ...(facts.totalBytes !== undefined ? { totalBytes: facts.totalBytes, totalIsContentLength: facts.totalIsContentLength === true } : {}),
          ...(facts.etag !== undefined ? { etag: facts.etag } : {}),
          ...(facts.sha256 !== undefined ? { hubSha256: facts.sha256.toLowerCase() } : {}),
        };
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
        const { checks, problem } = checkFile(rec, sha256, expected);
        if (problem) {
          await deleteFile(modelId, path);
          throw IntegrityError.of(path, problem);
        }
        const final: FileRecord = { ...rec, sha256, complete: true, verified: checks.length > 0, checks };
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

  /** The complete file's chunk handles, after checking they add up to its size (else it is deleted as corrupt). */
  async function completeChunks(modelId: string, path: string): Promise<{ rec: FileRecord; chunks: Blob[] } | undefined> {
    const rec = await stat(modelId, path);
    if (!rec?.complete) return undefined;
    const chunks = await chunksOf(modelId, path);
    const problem =
      chunks.length !== rec.chunkCount
        ? `${chunks.length} of ${rec.chunkCount} chunks`
        : !chunks.every((c): c is Blob => c instanceof Blob)
          ? "a chunk is not a Blob"
          : chunks.reduce((sum, c) => sum + c.size, 0) !== rec.bytes
            ? `${chunks.reduce((sum, c) => sum + c.size, 0)} bytes instead of ${rec.bytes}`
            : undefined;
    if (problem) return corrupt(rec, problem);
    return { rec, chunks: chunks as Blob[] };
  }

  /** Only a size or hash mismatch gets here: a failed read says nothing about the stored bytes. */
  async function corrupt(rec: FileRecord, detail: string): Promise<never> {
    await deleteFile(rec.modelId, rec.path);
    throw CacheCorruptError.of(rec.path, detail);
  }

  async function readFile(modelId: string, path: string): Promise<Uint8Array | undefined> {
    const rec = await stat(modelId, path);
    if (rec?.complete && rec.bytes > maxWholeRead) throw FileTooLargeError.of(path, rec.bytes, maxWholeRead);
    const found = await completeChunks(modelId, path);
    if (!found) return undefined;
    let out: Uint8Array;
    try {
      // one allocation of the final size, filled by the browser straight from its blob store
      out = new Uint8Array(await new Blob(found.chunks).arrayBuffer());
    } catch (err) {
      throw CacheReadError.of(path, errorMessage(err));
    }
    const sha256 = (await createSHA256()).init().update(out).digest("hex");
    if (sha256 !== found.rec.sha256) return corrupt(found.rec, `SHA-256 ${sha256} instead of ${found.rec.sha256}`);
    return out;
  }

  async function readStream(modelId: string, path: string): Promise<ReadableStream<Uint8Array> | undefined> {
    const found = await completeChunks(modelId, path);
    if (!found) return undefined;
    const { rec, chunks } = found;
    const hasher = (await createSHA256()).init();
    let next = 0;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (next === chunks.length) {
          const sha256 = hasher.digest("hex");
          if (sha256 !== rec.sha256) await corrupt(rec, `SHA-256 ${sha256} instead of ${rec.sha256}`);
          controller.close();
          return;
        }
        let bytes: Uint8Array;
        try {
          bytes = new Uint8Array(await chunks[next].arrayBuffer());
        } catch (err) {
          throw CacheReadError.of(path, errorMessage(err));
        }
        next += 1;
        hasher.update(bytes);
        controller.enqueue(bytes);
      },
    });
  }

  async function verifiedBlob(modelId: string, path: string): Promise<Blob | undefined> {
    const stream = await readStream(modelId, path);
    if (!stream) return undefined;
    const reader = stream.getReader();
    while (!(await reader.read()).done);
    const found = await completeChunks(modelId, path);
    return found && new Blob(found.chunks);
  }

  return {
    stat,
    async has(modelId, path) {
      return (await stat(modelId, path))?.complete === true;
    },
    files,
    readFile,
    readStream,
    verifiedBlob,
    maxWholeReadBytes: maxWholeRead,
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
        if (rec.complete) u.completeFiles += 1;
        byModel.set(rec.modelId, u);
      }
      return [...byModel.values()];
    },
  };
}

/**
 * Which checks a finished file passes and what failed: the manifest's size and hash where it pins them,
 * else the hub's (recorded by `describe`). A size is always compared where one is known.
 */
function checkFile(rec: FileRecord, sha256: string, expected: { bytes?: number; sha256?: string }): { checks: FileCheck[]; problem?: string } {
  const checks: FileCheck[] = [];
  const size =
    expected.bytes !== undefined
      ? { bytes: expected.bytes, check: "manifest size" as const }
      : rec.totalBytes !== undefined
        ? { bytes: rec.totalBytes, check: "hub size" as const }
        : undefined;
  // a body longer than a HEAD's Content-Length was compressed on the wire: that length says nothing
  const encoded = size?.check === "hub size" && rec.totalIsContentLength === true && rec.bytes > size.bytes;
  if (size && !encoded) {
    if (size.bytes !== rec.bytes) return { checks, problem: `${rec.bytes} bytes instead of ${size.bytes}` };
    checks.push(size.check);
  }
  const hash =
    expected.sha256 !== undefined
      ? { sha256: expected.sha256.toLowerCase(), check: "manifest SHA-256" as const }
      : rec.hubSha256 !== undefined
        ? { sha256: rec.hubSha256, check: "hub SHA-256" as const }
        : undefined;
  if (hash) {
    if (hash.sha256 !== sha256) return { checks, problem: `SHA-256 ${sha256} instead of ${hash.sha256}` };
    checks.push(hash.check);
  }
  return { checks };
}

/** The browser's usage/quota estimate for this origin (available in workers too), if it gives one. */
export async function storageEstimate(): Promise<StorageFigures | undefined> {
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
