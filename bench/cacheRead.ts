/**
 * How fast model weights come back from browser storage, and how much memory a download takes:
 * reads N MB of random bytes back from IndexedDB (our chunked layout, SHA-256 checked), OPFS and Cache
 * Storage in headless Chromium (median of 3 reads each), then downloads an N MB file from the local hub
 * into the cache while sampling the page's heap through CDP (Runtime.getHeapUsage: JS heap + ArrayBuffer
 * backing stores), which shows whether memory stays flat while gigabytes stream through.
 *
 * Run: npx tsx bench/cacheRead.ts [--mb 256]   (Chromium from CHROMIUM_PATH or /usr/bin/chromium)
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type CDPSession } from "@playwright/test";
import { createServer } from "vite";
import { startHub } from "../e2e/hub/server";
import type * as PageBench from "./cacheReadPage";

const MB = 1024 * 1024;
const argIndex = process.argv.indexOf("--mb");
const totalMB = argIndex > 0 ? Number(process.argv[argIndex + 1]) : 256;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const PAGE_MODULE = "/bench/cacheReadPage.ts";

/** Peak of JS heap + ArrayBuffer backing stores while `run` goes, sampled every 50 ms, after a GC. */
async function withHeapPeak<T>(cdp: CDPSession, run: () => Promise<T>): Promise<{ result: T; baseMB: number; peakMB: number }> {
  const sample = async () => {
    const h = await cdp.send("Runtime.getHeapUsage");
    return h.usedSize + h.backingStorageSize;
  };
  await cdp.send("HeapProfiler.collectGarbage");
  const base = await sample();
  let peak = base;
  let done = false;
  const poller = (async () => {
    while (!done) {
      peak = Math.max(peak, await sample());
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  try {
    const result = await run();
    return { result, baseMB: Math.round(base / MB), peakMB: Math.round(peak / MB) };
  } finally {
    done = true;
    await poller;
  }
}

const hubRoot = await mkdtemp(path.join(tmpdir(), "cache-bench-"));
const weights = randomBytes(totalMB * MB);
weights[0] = 0x08; // looks like ONNX to the downloader's first-byte check
await mkdir(path.join(hubRoot, "bench/big/unet"), { recursive: true });
await writeFile(path.join(hubRoot, "bench/big/unet/model.onnx"), weights);
const hub = await startHub({ root: hubRoot });

// served like the app: cross-origin isolated, so the hub's CORS/CORP headers are exercised too
const vite = await createServer({
  configFile: false,
  root: repoRoot,
  logLevel: "error",
  server: {
    host: "localhost",
    port: 0,
    // an edit elsewhere in the repo must not reload the page mid-run
    hmr: false,
    watch: null,
    headers: { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" },
  },
});
await vite.listen();
const address = vite.httpServer?.address();
const port = typeof address === "object" && address ? address.port : 0;

// a persistent profile on disk: Playwright's default contexts are off-the-record, whose storage lives in
// memory with a small quota and would measure neither the disk nor the real limits
const profile = await mkdtemp(path.join(tmpdir(), "cache-bench-profile-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-background-networking", "--no-first-run"],
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`http://localhost:${port}/bench/cacheRead.html`);
  const cdp = await page.context().newCDPSession(page);
  const call = <K extends "indexedDbBench" | "opfsBench" | "cacheStorageBench" | "downloadBench">(name: K, arg: number | string) =>
    page.evaluate(
      async ({ mod, name, arg }) => {
        const bench = (await import(mod)) as typeof PageBench;
        return (bench[name] as (a: number | string) => Promise<unknown>)(arg);
      },
      { mod: PAGE_MODULE, name, arg },
    );

  console.log(`Chromium ${context.browser()?.version() ?? ""}, ${totalMB} MB of random bytes, disk profile, warm OS cache`);
  for (const name of ["indexedDbBench", "opfsBench", "cacheStorageBench"] as const) {
    console.log(JSON.stringify(await call(name, totalMB)));
  }
  const url = `${hub.url}/bench/big/resolve/main/unet/model.onnx`;
  const download = await withHeapPeak(cdp, () => call("downloadBench", url));
  console.log(JSON.stringify({ download: download.result, heapBaseMB: download.baseMB, heapPeakMB: download.peakMB, hubBytesSent: hub.bytesSent() }));
} finally {
  await context.close();
  await rm(profile, { recursive: true, force: true });
  await vite.close();
  await hub.close();
  await rm(hubRoot, { recursive: true, force: true });
}
