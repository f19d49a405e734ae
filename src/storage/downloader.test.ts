import "fake-indexeddb/auto";
import { mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createStore, type UseStore } from "idb-keyval";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { startHub, type Hub } from "../../e2e/hub/server";
import { HubAccessDeniedError, HubFileNotFoundError, HubStatusError } from "../hub/errors";
import type { FileDownload } from "../hub/hubModel";
import { sha256Hex, testBytes } from "./__fixtures__/testBytes";
import { downloadFile, type DownloadProgress } from "./downloader";
import { DownloadFailedError, DownloadOfflineError, IntegrityError, NotOnnxError, QuotaExceededError } from "./errors";
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
    // HEAD said the size before the first byte: that, not the GET's own Content-Length, verifies it
    expect(rec).toMatchObject({ bytes: SIZE, totalBytes: SIZE, complete: true, verified: true, checks: ["hub size"], sha256: sha256Hex(model) });
    expect(hub.requests().map((r) => r.method)).toEqual(["HEAD", "GET"]);
    expect(sha256Hex((await cache.readFile("m", "unet/model.onnx"))!)).toBe(sha256Hex(model));
    expect(hub.bytesSent()).toBe(SIZE);
    expect(progress.at(-1)).toMatchObject({ file: "unet/model.onnx", loaded: SIZE, total: SIZE });
    expect(progress.every((p, i) => i === 0 || p.loaded >= progress[i - 1].loaded)).toBe(true);

    // complete files are not fetched again
    await downloadFile(cache, file("unet/model.onnx"));
    expect(hub.requests()).toHaveLength(2);
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
    const [head, first, second] = hub.requests();
    expect(head.method).toBe("HEAD");
    expect(first.bytesSent).toBe(150_000);
    // what reached the client before the cut is kept; the retry asks for exactly the rest
    const kept = Number(/^bytes=(\d+)-$/.exec(second.range ?? "")?.[1]);
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(150_000);
    expect(second).toMatchObject({ status: 206, bytesSent: SIZE - kept });
  });

  it("starts over, saying so, when the file changed on the hub between pause and resume (ETag, no If-Range)", async () => {
    const changing = path.join(root, "test/repo/changing.onnx");
    await writeFile(changing, model);
    hub.fail({ afterBytes: 100_000, path: "changing" });
    const first = await downloadFile(cache, file("changing.onnx"), { maxAttempts: 1 }).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(DownloadFailedError);
    const kept = (await cache.stat("m", "changing.onnx"))?.bytes ?? 0;
    expect(kept).toBeGreaterThan(0);

    const newer = testBytes(SIZE, 43);
    newer[0] = 0x08;
    await writeFile(changing, newer);
    const later = new Date(Date.now() + 60_000);
    await utimes(changing, later, later);
    hub.reset();
    const progress: DownloadProgress[] = [];
    const rec = await downloadFile(cache, file("changing.onnx"), { onProgress: (p) => progress.push(p), progressIntervalMs: 0 });
    expect(hub.requests()).toEqual([
      expect.objectContaining({ method: "GET", range: `bytes=${kept}-`, status: 206 }),
      expect.objectContaining({ method: "HEAD" }),
      expect.objectContaining({ method: "GET", status: 200, bytesSent: SIZE }),
    ]);
    expect(hub.requests().every((r) => r.ifRange === undefined)).toBe(true);
    expect(rec.sha256).toBe(sha256Hex(newer));
    expect(progress.at(-1)?.restarted).toMatch(
      /^Started changing\.onnx again from the beginning: its ETag changed from ".*" to ".*" since the download began\.$/,
    );
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

  it("never takes a body cut short with a matching short Content-Length as complete: the rest comes by Range", async () => {
    hub.fail({ path: "unet", truncateTo: SIZE - 1000 });
    const rec = await downloadFile(cache, file("unet/model.onnx"), { sleep: noSleep });
    expect(rec).toMatchObject({ bytes: SIZE, complete: true, verified: true, sha256: sha256Hex(model) });
    const gets = hub.requests().filter((r) => r.method === "GET");
    expect(gets).toEqual([
      expect.objectContaining({ status: 200, bytesSent: SIZE - 1000 }),
      expect.objectContaining({ status: 206, bytesSent: expect.any(Number) }),
    ]);
    expect(gets[1].range).toMatch(/^bytes=\d+-$/);
  });

  it("takes a body longer than HEAD's Content-Length for a compressed one: complete, but not verified by that length", async () => {
    // cross-origin, a page cannot see Content-Encoding: HEAD's length is then the compressed one
    const config = new TextEncoder().encode(JSON.stringify({ vocab: "x".repeat(5000) }));
    const compressing = (async (_url: string, init: RequestInit) =>
      init.method === "HEAD"
        ? new Response(null, { headers: { "Content-Length": "812" } })
        : new Response(new Blob([config]).stream(), { headers: { "Content-Type": "application/json" } })) as typeof fetch;
    const rec = await downloadFile(cache, file("tokenizer.json"), { fetch: compressing });
    expect(rec).toMatchObject({ bytes: config.length, complete: true, verified: false, checks: [] });
  });

  it("names a missing file, a refused one and an HTML page instead of ONNX, storing nothing", async () => {
    await expect(downloadFile(cache, file("nope/model.onnx"))).rejects.toThrow(HubFileNotFoundError);
    hub.fail({ status: 403 });
    await expect(downloadFile(cache, file("unet/model.onnx"))).rejects.toThrow(HubAccessDeniedError);
    await expect(downloadFile(cache, file("login.onnx"))).rejects.toThrow(NotOnnxError);
    expect(await cache.files()).toEqual([]);
  });

  it("names the model and the part when the hub refuses a file", async () => {
    hub.fail({ status: 403 });
    const err = await downloadFile(cache, file("unet/model.onnx"), { model: { name: "SD-Turbo" } }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^SD-Turbo: unet\/model\.onnx — the model hub refused .*\(HTTP 403\)/);
  });

  it("stops at once, without retrying, when the browser is offline", async () => {
    vi.stubGlobal("navigator", { onLine: false });
    const delays: number[] = [];
    const offlineFetch: typeof fetch = () => Promise.reject(new TypeError("Failed to fetch"));
    const err = await downloadFile(cache, file("unet/model.onnx"), {
      fetch: offlineFetch,
      model: { name: "SD-Turbo" },
      sleep: async (ms) => void delays.push(ms),
    }).catch((e: unknown) => e);
    vi.unstubAllGlobals();
    expect(err).toBeInstanceOf(DownloadOfflineError);
    expect((err as Error).message).toBe(
      "SD-Turbo: unet/model.onnx cannot be downloaded: this device is offline. The download goes on by itself when the connection is back.",
    );
    expect(delays).toEqual([]);
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

  it("does not retry a status that another try will not change", async () => {
    hub.fail({ status: 410, times: 10 });
    const delays: number[] = [];
    const err = await downloadFile(cache, file("unet/model.onnx"), { sleep: async (ms) => void delays.push(ms) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubStatusError);
    expect(err).toMatchObject({ data: { status: 410 } });
    expect(delays).toEqual([]);
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

describe("downloader against a Hugging Face-like hub (LFS redirect to a CDN with SHA-256 ETags)", () => {
  let hf: Hub;
  const lfs = (name: string): FileDownload => ({ modelId: "m", path: name, url: `${hf.url}/test/repo/resolve/main/${name}` });

  beforeAll(async () => {
    hf = await startHub({ root, cdn: true });
  });
  afterAll(() => hf.close());
  beforeEach(() => hf.reset());

  it("follows the redirect and verifies against the hub's size and SHA-256; a resume sends Range alone", async () => {
    hf.fail({ path: "unet", afterBytes: 120_000 });
    const rec = await downloadFile(cache, lfs("unet/model.onnx"), { sleep: noSleep });
    expect(rec).toMatchObject({ complete: true, verified: true, checks: ["hub size", "hub SHA-256"], hubSha256: sha256Hex(model) });
    const cdn = hf.requests().filter((r) => r.origin === "cdn");
    expect(cdn.map((r) => [r.method, r.status])).toEqual([
      ["HEAD", 200],
      ["GET", 200],
      ["GET", 206],
    ]);
    expect(cdn[2].range).toMatch(/^bytes=\d+-$/);
    expect(hf.requests().every((r) => r.ifRange === undefined)).toBe(true);
  });

  it("deletes a file whose bytes differ from the hub's SHA-256 (the CDN's ETag)", async () => {
    hf.fail({ path: "unet", corruptAt: 5000 });
    const err = await downloadFile(cache, lfs("unet/model.onnx")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as Error).message).toContain(`instead of ${sha256Hex(model)}`);
    expect(await cache.stat("m", "unet/model.onnx")).toBeUndefined();
  });

  it("restarts from zero when a resumed response belongs to another version (its size changed)", async () => {
    const growing = path.join(root, "test/repo/growing.onnx");
    await writeFile(growing, model);
    hf.fail({ path: "growing", afterBytes: 100_000 });
    await downloadFile(cache, lfs("growing.onnx"), { maxAttempts: 1 }).catch(() => undefined);
    expect((await cache.stat("m", "growing.onnx"))?.bytes).toBeGreaterThan(0);
    const bigger = new Uint8Array(SIZE + 10);
    bigger.set(model);
    await writeFile(growing, bigger);
    hf.reset();
    const rec = await downloadFile(cache, lfs("growing.onnx"));
    expect(rec).toMatchObject({ bytes: SIZE + 10, sha256: sha256Hex(bigger), checks: ["hub size", "hub SHA-256"] });
  });
});
