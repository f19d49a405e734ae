/**
 * Peak memory of the page while it downloads an N MB file from the local hub into the weight cache, over
 * the idle page: JS heap plus ArrayBuffer backing stores (CDP Runtime.getHeapUsage), sampled every 20 ms
 * from outside, after a forced GC. Goal: < 64 MB above idle for 256 MB, i.e. streaming, not buffering.
 * `--mode read` and `--mode read-byob` only read the same stream (default reader / BYOB reader into one
 * buffer) and store nothing, which separates the stream's garbage from the cache's own memory.
 *
 * Run: npx tsx bench/downloadHeap.ts [--mb 256] [--runs 3] [--mode download|read|read-byob]
 * (Chromium from CHROMIUM_PATH or /usr/bin/chromium)
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { chromium, type CDPSession } from "@playwright/test";
import { createServer } from "vite";
import { startHub } from "../e2e/hub/server";
import type * as PageBench from "./downloadHeapPage";

const MB = 1024 * 1024;
const { values } = parseArgs({
  options: { mb: { type: "string", default: "256" }, runs: { type: "string", default: "3" }, mode: { type: "string", default: "download" } },
});
const totalMB = Number(values.mb);
const mode = values.mode as PageBench.Mode;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

async function heapBytes(cdp: CDPSession): Promise<number> {
  const h = await cdp.send("Runtime.getHeapUsage");
  return h.usedSize + h.backingStorageSize;
}

/** Idle (after a GC) and peak while `work` runs. */
async function measure<T>(cdp: CDPSession, work: () => Promise<T>): Promise<{ result: T; idleMB: number; peakMB: number }> {
  await cdp.send("HeapProfiler.collectGarbage");
  const idle = await heapBytes(cdp);
  let peak = idle;
  let done = false;
  const poller = (async () => {
    while (!done) {
      peak = Math.max(peak, await heapBytes(cdp));
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    const result = await work();
    return { result, idleMB: Math.round(idle / MB), peakMB: Math.round(peak / MB) };
  } finally {
    done = true;
    await poller;
  }
}

const hubRoot = await mkdtemp(path.join(tmpdir(), "download-heap-"));
const weights = randomBytes(totalMB * MB);
weights[0] = 0x08; // looks like ONNX to the downloader's first-byte check
await mkdir(path.join(hubRoot, "bench/big/unet"), { recursive: true });
await writeFile(path.join(hubRoot, "bench/big/unet/model.onnx"), weights);
const hub = await startHub({ root: hubRoot });

const vite = await createServer({
  configFile: false,
  root: repoRoot,
  logLevel: "error",
  server: {
    host: "localhost",
    port: 0,
    hmr: false,
    watch: null,
    headers: { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" },
  },
});
await vite.listen();
const address = vite.httpServer?.address();
const port = typeof address === "object" && address ? address.port : 0;

// a profile on disk, as a user's: an off-the-record context keeps IndexedDB in memory
const profile = await mkdtemp(path.join(tmpdir(), "download-heap-profile-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-background-networking", "--no-first-run"],
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`http://localhost:${port}/bench/downloadHeap.html`);
  const cdp = await context.newCDPSession(page);
  const url = `${hub.url}/bench/big/resolve/main/unet/model.onnx`;
  console.log(`Chromium ${context.browser()?.version() ?? ""}, ${totalMB} MB file, mode ${mode}`);
  for (let i = 0; i < Number(values.runs); i++) {
    const { result, idleMB, peakMB } = await measure(cdp, () =>
      page.evaluate(
        async ({ mod, mode, url }) => ((await import(mod)) as typeof PageBench).run(mode, url),
        { mod: "/bench/downloadHeapPage.ts", mode, url },
      ),
    );
    console.log(JSON.stringify({ ...result, idleMB, peakMB, aboveIdleMB: peakMB - idleMB }));
  }
} finally {
  await context.close();
  await rm(profile, { recursive: true, force: true });
  await vite.close();
  await hub.close();
  await rm(hubRoot, { recursive: true, force: true });
}
