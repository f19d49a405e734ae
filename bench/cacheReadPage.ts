/**
 * Browser half of bench/cacheRead.ts: writes and reads back the same random bytes through our chunked
 * IndexedDB layout, OPFS and Cache Storage. Each function returns timings.
 */
import { createSHA256 } from "hash-wasm";
import { createStore, promisifyRequest } from "idb-keyval";
import { createWeightCache, DEFAULT_CHUNK_BYTES } from "../src/storage/weightCache";

const MB = 1024 * 1024;
const DB = "cache-bench";

export interface Timing {
  store: string;
  mb: number;
  writeMBps: number;
  /** Median of READS reads; each read allocates and fills a fresh buffer. */
  readMBps: number;
  reads: number[];
}

const READS = 3;

/** Distinct random chunks (crypto.getRandomValues fills at most 64 KiB per call). */
function randomChunks(totalMB: number): Uint8Array<ArrayBuffer>[] {
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  for (let left = totalMB * MB; left > 0; left -= DEFAULT_CHUNK_BYTES) {
    const chunk = new Uint8Array(Math.min(left, DEFAULT_CHUNK_BYTES));
    for (let i = 0; i < chunk.length; i += 65536) crypto.getRandomValues(chunk.subarray(i, i + 65536));
    chunks.push(chunk);
  }
  return chunks;
}

const rate = (mb: number, ms: number) => Math.round((mb * 1000) / ms);

/** Runs `read` READS times; returns each rate and the median (this machine is shared, so runs vary). */
async function timeReads(totalMB: number, read: () => Promise<number>): Promise<{ readMBps: number; reads: number[] }> {
  const reads: number[] = [];
  for (let i = 0; i < READS; i++) {
    const t = performance.now();
    if ((await read()) !== totalMB * MB) throw new Error("read back the wrong size");
    reads.push(rate(totalMB, performance.now() - t));
  }
  return { readMBps: [...reads].sort((a, b) => a - b)[READS >> 1], reads };
}

/** Our layout through the real writer and reader; the read includes the SHA-256 check. */
export async function indexedDbBench(totalMB: number): Promise<Timing & { hashMBps: number; unverifiedReadMBps: number }> {
  const store = createStore(DB, "weights");
  const cache = createWeightCache(store);
  await cache.deleteModel("bench");
  const chunks = randomChunks(totalMB);
  let t = performance.now();
  const w = await cache.writer("bench", "file.bin");
  for (const c of chunks) await w.append(c);
  await w.finish();
  const writeMs = performance.now() - t;
  chunks.length = 0;

  const reads = await timeReads(totalMB, async () => (await cache.readFile("bench", "file.bin"))?.length ?? 0);
  // the same read without the SHA-256 check (the chunk keys as weightCache.ts lays them out), to compare
  // like with like against OPFS and Cache Storage, which check nothing
  const raw = await timeReads(totalMB, async () => {
    const blobs = await store("readonly", (s) =>
      promisifyRequest(s.getAll(IDBKeyRange.bound(["c", "bench", "file.bin"], ["c", "bench", "file.bin", []]))),
    );
    return new Uint8Array(await new Blob(blobs as Blob[]).arrayBuffer()).length;
  });

  // SHA-256 alone, to tell the check's share of the read from IndexedDB's
  const bytes = new Uint8Array(totalMB * MB);
  t = performance.now();
  const h = await createSHA256();
  h.init();
  h.update(bytes);
  h.digest();
  const hashMs = performance.now() - t;
  await cache.deleteModel("bench");
  return {
    store: "IndexedDB (chunked, SHA-256 checked)",
    mb: totalMB,
    writeMBps: rate(totalMB, writeMs),
    ...reads,
    unverifiedReadMBps: raw.readMBps,
    hashMBps: rate(totalMB, hashMs),
  };
}

/** OPFS: a writable stream in, one File.arrayBuffer() out. */
export async function opfsBench(totalMB: number): Promise<Timing> {
  const root = await navigator.storage.getDirectory();
  const chunks = randomChunks(totalMB);
  const t = performance.now();
  const handle = await root.getFileHandle("bench.bin", { create: true });
  const writable = await handle.createWritable();
  for (const c of chunks) await writable.write(c);
  await writable.close();
  const writeMs = performance.now() - t;
  chunks.length = 0;

  const reads = await timeReads(totalMB, async () => new Uint8Array(await (await handle.getFile()).arrayBuffer()).length);
  await root.removeEntry("bench.bin");
  return { store: "OPFS", mb: totalMB, writeMBps: rate(totalMB, writeMs), ...reads };
}

/** Cache Storage: one Response put, one Response.arrayBuffer() out. */
export async function cacheStorageBench(totalMB: number): Promise<Timing> {
  const chunks = randomChunks(totalMB);
  const t = performance.now();
  const cache = await caches.open("cache-bench");
  await cache.put("/cache-bench/file.bin", new Response(new Blob(chunks)));
  const writeMs = performance.now() - t;
  chunks.length = 0;

  const reads = await timeReads(totalMB, async () => {
    const res = await cache.match("/cache-bench/file.bin");
    return new Uint8Array(await (res as Response).arrayBuffer()).length;
  });
  await caches.delete("cache-bench");
  return { store: "Cache Storage", mb: totalMB, writeMBps: rate(totalMB, writeMs), ...reads };
}
