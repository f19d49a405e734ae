import "fake-indexeddb/auto";
import { mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createStore, type UseStore } from "idb-keyval";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startHub, type Hub } from "../../e2e/hub/server";
import type { FileDownload } from "../models/catalog";
import { sha256Hex, testBytes } from "./__fixtures__/testBytes";
import { downloadFile, type DownloadProgress } from "./downloader";
import {
  DownloadFailedError,
  HubAccessDeniedError,
  HubFileNotFoundError,
  IntegrityError,
  NotOnnxError,
  QuotaExceededError,
} from "./errors";
import { createWeightCache, type WeightCache } from "./weightCache";

const CHUNK = 16 * 1024;
const SIZE = 400_000;
/** An ONNX-looking file: protobuf field 1 first, then noise. */
const model = testBytes(SIZE, 42);
model[0] = 0x08;

let root: string;
let hub: Hub;
let cache: WeightCache;
let dbCount = 0;
const noSleep = async () => undefined;

const file = (name: string, expected?: FileDownload["expected"]): FileDownload => ({
  modelId: "m",
  path: name,
  url: `${hub.url}/test/repo/resolve/main/${name}`,
  ...(expected ? { expected } : {}),
});

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "hub-"));
  await mkdir(path.join(root, "test/repo/unet"), { recursive: true });
  await writeFile(path.join(root, "test/repo/unet/model.onnx"), model);
  await writeFile(path.join(root, "test/repo/changing.onnx"), model);
  await writeFile(path.join(root, "test/repo/login.onnx"), "<!DOCTYPE html><html><body>Sign in</body></html>");
  hub = await startHub({ root });
});

afterAll(async () => {
  await hub.close();
  await rm(root, { recursive: true, force: true });
});

beforeEach(() => {
  hub.reset();
  cache = createWeightCache(createStore(`download-test-${++dbCount}`, "weights"), { chunkBytes: CHUNK });
});

describe("downloader", () => {
  it("downloads a file into the cache, reporting progress, and records its size and SHA-256", async () => {
    const progress: DownloadProgress[] = [];
    const rec = await downloadFile(cache, file("unet/model.onnx"), { onProgress: (p) => progress.push(p), progressIntervalMs: 0 });
    expect(rec).toMatchObject({ bytes: SIZE, totalBytes: SIZE, complete: true, verified: true, sha256: sha256Hex(model) });
    expect(sha256Hex((await cache.readFile("m", "unet/model.onnx"))!)).toBe(sha256Hex(model));
    expect(hub.bytesSent()).toBe(SIZE);
    expect(progress.at(-1)).toMatchObject({ file: "unet/model.onnx", loaded: SIZE, total: SIZE });
    expect(progress.every((p, i) => i === 0 || p.loaded >= progress[i - 1].loaded)).toBe(true);

    // complete files are not fetched again
    await downloadFile(cache, file("unet/model.onnx"));
    expect(hub.requests()).toHaveLength(1);
  });

  it("reads a body that is not a byte stream too (no BYOB reader), with the same result", async () => {
    // a TransformStream's readable is a default stream, as some polyfills and test doubles give
    const plainFetch = (async (url: string, init: RequestInit) => {
      const res = await fetch(url, init);
      return new Response(res.body?.pipeThrough(new TransformStream()), { status: res.status, headers: res.headers });
    }) as typeof fetch;
    const rec = await downloadFile(cache, file("unet/model.onnx"), { fetch: plainFetch });
    expect(rec).toMatchObject({ bytes: SIZE, complete: true, sha256: sha256Hex(model) });
    expect(sha256Hex((await cache.readFile("m", "unet/model.onnx"))!)).toBe(sha256Hex(model));
  });

  it("pauses on abort, keeps what arrived, and resumes with a Range request for the rest only", async () => {
    hub.throttle(2_000_000);
    const pause = new AbortController();
    const paused = downloadFile(cache, file("unet/model.onnx"), {
      signal: pause.signal,
      progressIntervalMs: 0,
      onProgress: (p) => {
        if (p.loaded >= SIZE / 2) pause.abort();
      },
    });
    await expect(paused).rejects.toThrow(/abort/i);
    hub.throttle(undefined);
    const stored = (await cache.stat("m", "unet/model.onnx"))?.bytes ?? 0;
    expect(stored).toBeGreaterThanOrEqual(SIZE / 2);
    expect(stored).toBeLessThan(SIZE);

    hub.reset();
    const rec = await downloadFile(cache, file("unet/model.onnx", { sha256: sha256Hex(model) }));
    expect(rec.sha256).toBe(sha256Hex(model));
    expect(hub.requests()).toEqual([expect.objectContaining({ range: `bytes=${stored}-`, status: 206 })]);
    expect(hub.bytesSent()).toBe(SIZE - stored);
    expect(sha256Hex((await cache.readFile("m", "unet/model.onnx"))!)).toBe(sha256Hex(model));
  });

  it("retries a dropped connection from the bytes already stored", async () => {
    hub.fail({ afterBytes: 150_000, path: "unet" });
    const rec = await downloadFile(cache, file("unet/model.onnx"), { sleep: noSleep });
    expect(rec.sha256).toBe(sha256Hex(model));
    const [first, second] = hub.requests();
    expect(first.bytesSent).toBe(150_000);
    // what reached the client before the cut is kept; the retry asks for exactly the rest
    const kept = Number(/^bytes=(\d+)-$/.exec(second.range ?? "")?.[1]);
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(150_000);
    expect(second).toMatchObject({ status: 206, bytesSent: SIZE - kept });
  });

  it("starts over when the file changed on the hub between pause and resume (If-Range)", async () => {
    hub.fail({ afterBytes: 100_000, path: "changing" });
    const first = await downloadFile(cache, file("changing.onnx"), { maxAttempts: 1 }).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(DownloadFailedError);
    const kept = (await cache.stat("m", "changing.onnx"))?.bytes ?? 0;
    expect(kept).toBeGreaterThan(0);

    const later = new Date(Date.now() + 60_000);
    await utimes(path.join(root, "test/repo/changing.onnx"), later, later);
    hub.reset();
    const rec = await downloadFile(cache, file("changing.onnx"));
    expect(hub.requests()).toEqual([expect.objectContaining({ range: `bytes=${kept}-`, status: 200, bytesSent: SIZE })]);
    expect(rec.sha256).toBe(sha256Hex(model));
  });

  it("deletes the file and says so when its SHA-256 or size differs from the manifest's", async () => {
    const err = await downloadFile(cache, file("unet/model.onnx", { sha256: "ab".repeat(32) })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as Error).message).toMatch(/unet\/model\.onnx failed its integrity check \(SHA-256 .*\); the downloaded copy was deleted/);
    expect(await cache.stat("m", "unet/model.onnx")).toBeUndefined();

    hub.reset();
    const early = await downloadFile(cache, file("unet/model.onnx", { bytes: SIZE + 1 })).catch((e: unknown) => e);
    expect(early).toBeInstanceOf(IntegrityError);
    expect((early as Error).message).toMatch(/announces 400000 bytes, the manifest 400001/);
    expect(await cache.stat("m", "unet/model.onnx")).toBeUndefined();
  });

  it("names a missing file, a refused one and an HTML page instead of ONNX, storing nothing", async () => {
    await expect(downloadFile(cache, file("nope/model.onnx"))).rejects.toThrow(HubFileNotFoundError);
    hub.fail({ status: 403 });
    await expect(downloadFile(cache, file("unet/model.onnx"))).rejects.toThrow(HubAccessDeniedError);
    await expect(downloadFile(cache, file("login.onnx"))).rejects.toThrow(NotOnnxError);
    expect(await cache.files()).toEqual([]);
  });

  it("gives up after a bounded number of tries, backing off exponentially", async () => {
    hub.fail({ status: 503, times: 10 });
    const delays: number[] = [];
    const err = await downloadFile(cache, file("unet/model.onnx"), {
      maxAttempts: 4,
      retryDelayMs: 100,
      sleep: async (ms) => void delays.push(ms),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadFailedError);
    expect((err as Error).message).toMatch(/4 tries, last: HTTP 503/);
    expect(delays).toEqual([100, 200, 400]);
  });

  it("turns a full disk into QuotaExceededError naming the sizes, and leaves other models intact", async () => {
    const real = createStore(`download-test-${++dbCount}`, "weights");
    let writesLeft = Infinity;
    const failing: UseStore = (mode, callback) =>
      mode === "readwrite" && writesLeft-- <= 0
        ? Promise.reject(new DOMException("The quota has been exceeded.", "QuotaExceededError"))
        : real(mode, callback);
    const full = createWeightCache(failing, { chunkBytes: CHUNK });
    const other = await downloadFile(full, { ...file("unet/model.onnx"), modelId: "other" });

    writesLeft = 3;
    const err = await downloadFile(full, file("unet/model.onnx"), {
      model: { name: "SD-Turbo", bytes: 2_583_000_000 },
      estimate: async () => ({ quota: 1_000_000_000, usage: 990_000_000 }),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QuotaExceededError);
    // 10 MB under the quota when the write failed: the quota stopped it; the other model is named to delete
    expect((err as Error).message).toMatch(
      /^SD-Turbo needs about 2\.58 GB, but this site has used up the storage the browser allows it \(990 MB of 1\.00 GB\)\. 49 kB already downloaded are kept: to make room, delete another model \(other \(\d+ kB\)\)/,
    );

    writesLeft = Infinity;
    expect(sha256Hex((await full.readFile("other", "unet/model.onnx"))!)).toBe(sha256Hex(model));
    expect(other.sha256).toBe(sha256Hex(model));
    expect((await full.stat("m", "unet/model.onnx"))?.bytes).toBe(3 * CHUNK);
  });
});
