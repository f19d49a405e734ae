/**
 * Browser half of bench/downloadHeap.ts: the real download path (hub → fetch stream → weight cache), and
 * two reads of the same stream that store nothing, to tell the stream's own garbage from the cache's.
 */
import { createStore } from "idb-keyval";
import { downloadFile } from "../src/storage/downloader";
import { createWeightCache } from "../src/storage/weightCache";

const MB = 1024 * 1024;

export type Mode = "download" | "read" | "read-byob";

export interface Run {
  mode: Mode;
  mb: number;
  seconds: number;
}

/** Reads the body and drops it: each chunk the browser hands over is a new ArrayBuffer. */
async function read(url: string): Promise<number> {
  const reader = (await fetch(url, { cache: "no-store" })).body!.getReader();
  let total = 0;
  for (let r = await reader.read(); !r.done; r = await reader.read()) total += r.value.length;
  return total;
}

/** Reads the body into one reused 1 MiB buffer (a BYOB reader hands the same memory back). */
async function readByob(url: string): Promise<number> {
  const reader = (await fetch(url, { cache: "no-store" })).body!.getReader({ mode: "byob" });
  let buffer = new ArrayBuffer(MB);
  let total = 0;
  for (;;) {
    const r = await reader.read(new Uint8Array(buffer));
    if (r.done) break;
    total += r.value.length;
    buffer = r.value.buffer;
  }
  return total;
}

export async function run(mode: Mode, url: string): Promise<Run> {
  const t = performance.now();
  let bytes: number;
  if (mode === "download") {
    const cache = createWeightCache(createStore("download-heap-bench", "weights"));
    await cache.deleteModel("bench");
    bytes = (await downloadFile(cache, { modelId: "bench", path: "unet/model.onnx", url })).bytes;
    await cache.deleteModel("bench");
  } else {
    bytes = await (mode === "read" ? read(url) : readByob(url));
  }
  return { mode, mb: Math.round(bytes / MB), seconds: Math.round((performance.now() - t) / 100) / 10 };
}
