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
import { parseArgs } from "node:util";
import { startHub } from "../e2e/hub/server";
import { openBenchPage, withHeapPeak } from "./benchPage";
import type * as PageBench from "./downloadHeapPage";

const MB = 1024 * 1024;
const { values } = parseArgs({
  options: { mb: { type: "string", default: "256" }, runs: { type: "string", default: "3" }, mode: { type: "string", default: "download" } },
});
const totalMB = Number(values.mb);
const mode = values.mode as PageBench.Mode;

const hubRoot = await mkdtemp(path.join(tmpdir(), "download-heap-"));
const weights = randomBytes(totalMB * MB);
weights[0] = 0x08; // looks like ONNX to the downloader's first-byte check
await mkdir(path.join(hubRoot, "bench/big/unet"), { recursive: true });
await writeFile(path.join(hubRoot, "bench/big/unet/model.onnx"), weights);
const hub = await startHub({ root: hubRoot });
const bench = await openBenchPage();
try {
  const url = `${hub.url}/bench/big/resolve/main/unet/model.onnx`;
  console.log(`Chromium ${bench.context.browser()?.version() ?? ""}, ${totalMB} MB file, mode ${mode}`);
  for (let i = 0; i < Number(values.runs); i++) {
    const { result, idleMB, peakMB } = await withHeapPeak(bench.cdp, () =>
      bench.page.evaluate(async ({ mod, mode, url }) => ((await import(mod)) as typeof PageBench).run(mode, url), {
        mod: "/bench/downloadHeapPage.ts",
        mode,
        url,
      }),
    );
    console.log(JSON.stringify({ ...result, idleMB, peakMB, aboveIdleMB: peakMB - idleMB }));
  }
} finally {
  await bench.close();
  await hub.close();
  await rm(hubRoot, { recursive: true, force: true });
}
