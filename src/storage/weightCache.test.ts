import "fake-indexeddb/auto";
import { createStore, promisifyRequest, type UseStore } from "idb-keyval";
import { afterEach, describe, expect, it, vi } from "vitest";
import { sha256Hex as sha256, testBytes } from "./__fixtures__/testBytes";
import { CacheCorruptError, CacheReadError, FileTooLargeError, IntegrityError } from "./errors";
import { createWeightCache, isQuotaError, openWeightCache, type WeightCache } from "./weightCache";

const CHUNK = 4096;
let dbCount = 0;
const newStore = () => createStore(`weights-test-${++dbCount}`, "weights");

/** Writes a file the way the downloader does: network-sized pieces, then finish. */
async function store(cache: WeightCache, modelId: string, path: string, bytes: Uint8Array, piece = 1000) {
  const w = await cache.writer(modelId, path);
  for (let i = 0; i < bytes.length; i += piece) await w.append(bytes.subarray(i, i + piece));
  return w.finish();
}

/** Changes the stored records directly, as damaged or evicted browser storage would, behind the cache's back. */
function tamper(raw: UseStore, change: (s: IDBObjectStore) => void) {
  return raw("readwrite", (s) => {
    change(s);
    return promisifyRequest(s.transaction);
  });
}

/** A cache holding m/f.onnx, stored whole, whose records `change` then damages. */
async function damagedFile(bytes: Uint8Array, change: (s: IDBObjectStore) => void): Promise<WeightCache> {
  const raw = newStore();
  const cache = createWeightCache(raw, { chunkBytes: CHUNK });
  await store(cache, "m", "f.onnx", bytes);
  await tamper(raw, change);
  return cache;
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("weight cache", () => {
  it("stores a file in chunks and reads it back whole, checking its SHA-256", async () => {
    const cache = createWeightCache(newStore(), { chunkBytes: CHUNK });
    const bytes = testBytes(3 * CHUNK + 123);
    const rec = await store(cache, "m", "unet/model.onnx", bytes);
    // nothing independent of the bytes said what they should be: complete and usable, but not verified
    expect(rec).toMatchObject({ bytes: bytes.length, chunkCount: 4, complete: true, verified: false, checks: [], sha256: sha256(bytes) });
    expect(rec.hashState).toBeUndefined();
    expect(await cache.has("m", "unet/model.onnx")).toBe(true);
    expect(await cache.readFile("m", "unet/model.onnx")).toEqual(bytes);
    expect(await cache.readFile("m", "other.onnx")).toBeUndefined();
  });

  it("hands out nothing for a partial file, and a new writer continues it from the saved hash state", async () => {
    const cache = createWeightCache(newStore(), { chunkBytes: CHUNK });
    const bytes = testBytes(5 * CHUNK, 7);
    const first = await cache.writer("m", "f.onnx");
    await first.append(bytes.subarray(0, 2 * CHUNK + 500));
    await first.flush();
    expect(await cache.readFile("m", "f.onnx")).toBeUndefined();
    expect(await cache.has("m", "f.onnx")).toBe(false);

    const second = await cache.writer("m", "f.onnx");
    expect(second.bytesStored).toBe(2 * CHUNK + 500);
    await second.append(bytes.subarray(second.bytesStored));
    expect((await second.finish({ sha256: sha256(bytes) })).sha256).toBe(sha256(bytes));
    expect(await cache.readFile("m", "f.onnx")).toEqual(bytes);
  });

  it("re-reads the stored chunks when the saved hash state cannot be loaded", async () => {
    const raw = newStore();
    const cache = createWeightCache(raw, { chunkBytes: CHUNK });
    const bytes = testBytes(3 * CHUNK, 3);
    const w = await cache.writer("m", "f.onnx");
    await w.append(bytes.subarray(0, 2 * CHUNK));
    await tamper(raw, (s) => s.put({ ...w.record, hashState: new Uint8Array([1, 2, 3]) }, ["f", "m", "f.onnx"]));
    const resumed = await cache.writer("m", "f.onnx");
    expect(resumed.bytesStored).toBe(2 * CHUNK);
    await resumed.append(bytes.subarray(2 * CHUNK));
    expect((await resumed.finish()).sha256).toBe(sha256(bytes));
  });

  it("detects a corrupted chunk on read, never hands it on, and removes the file", async () => {
    const cache = await damagedFile(testBytes(3 * CHUNK), (s) => s.put(new Blob([testBytes(CHUNK, 99)]), ["c", "m", "f.onnx", 1]));
    await expect(cache.readFile("m", "f.onnx")).rejects.toThrow(CacheCorruptError);
    expect(await cache.stat("m", "f.onnx")).toBeUndefined();
    expect(await cache.usage()).toEqual([]);
  });

  it("detects a truncated file (a chunk gone) on read", async () => {
    const cache = await damagedFile(testBytes(2 * CHUNK + 10), (s) => s.delete(["c", "m", "f.onnx", 2]));
    await expect(cache.readFile("m", "f.onnx")).rejects.toThrow(/damaged \(2 of 3 chunks\)/);
    expect(await cache.has("m", "f.onnx")).toBe(false);
  });

  it("deletes a file whose size or hash differs from what was expected", async () => {
    const cache = createWeightCache(newStore(), { chunkBytes: CHUNK });
    const w = await cache.writer("m", "f.onnx");
    await w.append(testBytes(CHUNK + 1));
    await expect(w.finish({ sha256: "00".repeat(32) })).rejects.toThrow(IntegrityError);
    expect(await cache.stat("m", "f.onnx")).toBeUndefined();
    const v = await cache.writer("m", "g.onnx");
    await v.append(testBytes(10));
    await expect(v.finish({ bytes: 11 })).rejects.toThrow(/10 bytes instead of 11/);
  });

  it("is verified only against the manifest or the hub's word about the whole file, and names which", async () => {
    const cache = createWeightCache(newStore(), { chunkBytes: CHUNK });
    const bytes = testBytes(2 * CHUNK + 5, 11);
    const pinned = await cache.writer("m", "a.onnx");
    await pinned.append(bytes);
    expect(await pinned.finish({ bytes: bytes.length, sha256: sha256(bytes).toUpperCase() })).toMatchObject({
      verified: true,
      checks: ["manifest size", "manifest SHA-256"],
    });

    const fromHub = await cache.writer("m", "b.onnx");
    fromHub.describe({ totalBytes: bytes.length, etag: `"${sha256(bytes)}"`, sha256: sha256(bytes) });
    await fromHub.append(bytes);
    expect(await fromHub.finish()).toMatchObject({ verified: true, checks: ["hub size", "hub SHA-256"] });

    // the hub said 1,000 bytes more than arrived: never complete, and the short copy is deleted
    const short = await cache.writer("m", "c.onnx");
    short.describe({ totalBytes: bytes.length + 1000 });
    await short.append(bytes);
    await expect(short.finish()).rejects.toThrow(new RegExp(`${bytes.length} bytes instead of ${bytes.length + 1000}`));
    expect(await cache.stat("m", "c.onnx")).toBeUndefined();

    const otherHash = await cache.writer("m", "d.onnx");
    otherHash.describe({ sha256: "ab".repeat(32) });
    await otherHash.append(bytes);
    await expect(otherHash.finish()).rejects.toThrow(IntegrityError);
  });

  it("refuses to read a file too large for one buffer without deleting it, and streams it instead", async () => {
    const cache = createWeightCache(newStore(), { chunkBytes: CHUNK, maxWholeReadBytes: 2 * CHUNK });
    const bytes = testBytes(3 * CHUNK + 77, 21);
    await store(cache, "m", "big.onnx", bytes);
    const err = await cache.readFile("m", "big.onnx").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileTooLargeError);
    expect((err as Error).message).toMatch(/big\.onnx is 12 kB, more than the 8 kB one buffer can hold.*it stays stored/);
    expect(await cache.has("m", "big.onnx")).toBe(true);

    const reader = (await cache.readStream("m", "big.onnx"))!.getReader();
    const parts: Uint8Array[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) parts.push(r.value);
    expect(parts.map((p) => p.length)).toEqual([CHUNK, CHUNK, CHUNK, 77]);
    const joined = new Uint8Array(bytes.length);
    parts.reduce((at, p) => (joined.set(p, at), at + p.length), 0);
    expect(joined).toEqual(bytes);
    expect(await cache.readStream("m", "missing.onnx")).toBeUndefined();
  });

  it("a stream of a damaged file errors at its end and the file is deleted", async () => {
    const cache = await damagedFile(testBytes(3 * CHUNK), (s) => s.put(new Blob([testBytes(CHUNK, 99)]), ["c", "m", "f.onnx", 2]));
    const reader = (await cache.readStream("m", "f.onnx"))!.getReader();
    for (let i = 0; i < 3; i++) expect((await reader.read()).value?.length).toBe(CHUNK);
    await expect(reader.read()).rejects.toThrow(CacheCorruptError);
    expect(await cache.stat("m", "f.onnx")).toBeUndefined();
  });

  it("a failed read is not corruption: the file is kept", async () => {
    const cache = createWeightCache(newStore(), { chunkBytes: CHUNK });
    const bytes = testBytes(2 * CHUNK, 4);
    await store(cache, "m", "f.onnx", bytes);
    const read = vi
      .spyOn(Blob.prototype, "arrayBuffer")
      .mockRejectedValue(new DOMException("The requested file could not be read", "NotReadableError"));
    const err = await cache.readFile("m", "f.onnx").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CacheReadError);
    expect((err as Error).message).toMatch(/f\.onnx could not be read \(The requested file could not be read\); it is kept/);
    await expect((await cache.readStream("m", "f.onnx"))!.getReader().read()).rejects.toThrow(CacheReadError);
    read.mockRestore();
    expect(await cache.readFile("m", "f.onnx")).toEqual(bytes);
  });

  it("deleting a model frees its storage and leaves the others", async () => {
    const cache = createWeightCache(newStore(), { chunkBytes: CHUNK });
    const keep = testBytes(CHUNK * 2, 5);
    await store(cache, "keep", "unet/model.onnx", keep);
    await store(cache, "drop", "unet/model.onnx", testBytes(CHUNK * 3));
    await store(cache, "drop", "vae_decoder/model.onnx", testBytes(CHUNK));
    const before = await cache.usage();
    expect(before.find((u) => u.modelId === "drop")).toEqual({ modelId: "drop", bytes: 4 * CHUNK, files: 2, completeFiles: 2 });

    await cache.deleteModel("drop");
    const after = await cache.usage();
    expect(after).toEqual([{ modelId: "keep", bytes: 2 * CHUNK, files: 1, completeFiles: 1 }]);
    expect(await cache.readFile("keep", "unet/model.onnx")).toEqual(keep);
  });

  it("on a quota error keeps every other model and the partial file", async () => {
    const real = newStore();
    let writesLeft = Infinity;
    const failing: UseStore = (mode, callback) => {
      if (mode === "readwrite" && writesLeft-- <= 0) {
        return Promise.reject(new DOMException("The quota has been exceeded.", "QuotaExceededError"));
      }
      return real(mode, callback);
    };
    const cache = createWeightCache(failing, { chunkBytes: CHUNK });
    const other = testBytes(2 * CHUNK, 11);
    await store(cache, "other", "unet/model.onnx", other);

    writesLeft = 2;
    const w = await cache.writer("big", "unet/model.onnx");
    const err = await w.append(testBytes(5 * CHUNK)).catch((e: unknown) => e);
    expect(isQuotaError(err)).toBe(true);
    // the writer no longer matches storage after a failed write, so it refuses more
    await expect(w.flush()).rejects.toBe(err);

    writesLeft = Infinity;
    expect(await cache.readFile("other", "unet/model.onnx")).toEqual(other);
    expect((await cache.stat("big", "unet/model.onnx"))?.bytes).toBe(2 * CHUNK);
  });

  it("is off (null, with a warning) where IndexedDB is missing or refuses to open", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    vi.stubGlobal("indexedDB", undefined);
    expect(await openWeightCache({ dbName: "absent" })).toBeNull();
    vi.stubGlobal("indexedDB", {
      open() {
        throw new DOMException("The user denied permission to access the database.", "SecurityError");
      },
    });
    expect(await openWeightCache({ dbName: "denied" })).toBeNull();
    expect(warn).toHaveBeenCalledTimes(2);
    expect(String(warn.mock.calls[1][0])).toMatch(/weight cache is off .*denied permission/);
  });

  it("opens in IndexedDB when it is there", async () => {
    const cache = await openWeightCache({ dbName: "present", chunkBytes: CHUNK });
    expect(cache).not.toBeNull();
    expect(await cache?.usage()).toEqual([]);
  });
});
