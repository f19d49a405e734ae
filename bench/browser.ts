/**
 * Engine overhead in the browser (WASM backend, Debian Chromium, a page served cross-origin isolated by
 * Vite's dev server on port 5199), and browser ÷ onnxruntime-node on the same model, steps and thread
 * count, measured back to back in this process so both see the same machine load.
 *
 *   npx tsx bench/browser.ts [--threads 1] [--steps 20] [--runs 5] [--warmup-s 10] [--repeat 3] [--size 64]
 *                            [--backend wasm] [--ort '{"enableCpuMemArena":false}']
 *
 * --ort: ONNX Runtime session options merged over the app's, browser side only (to compare settings).
 */
import { chromium, type Browser } from "@playwright/test";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { createServer } from "vite";
import type { EngineMeasurement } from "./engineMeasure";
import { benchArgs, benchOptions } from "./engineMeasure";
import { measureNode } from "./engineNode";

const { values } = parseArgs({
  options: {
    ...benchArgs,
    repeat: { type: "string", default: "3" },
    backend: { type: "string", default: "wasm" },
    ort: { type: "string", default: "{}" },
  },
});
const opts = benchOptions(values);
const threads = Number(values.threads);
const PORT = 5199;

async function measureBrowser(browser: Browser): Promise<EngineMeasurement & { threads: number; crossOriginIsolated: boolean }> {
  const page = await browser.newPage();
  try {
    const query = new URLSearchParams({ ...values, threads: String(threads) });
    await page.goto(`http://localhost:${PORT}/bench/browser-engine.html?${query}`);
    await page.waitForFunction(() => (window as unknown as { benchResult?: unknown }).benchResult !== undefined, null, { timeout: 600_000 });
    const result = await page.evaluate(() => (window as unknown as { benchResult: object }).benchResult);
    if ("error" in result) throw new Error(`browser bench failed: ${String(result.error)}`);
    return result as EngineMeasurement & { threads: number; crossOriginIsolated: boolean };
  } finally {
    await page.close();
  }
}

const server = await createServer({ configFile: "vite.config.ts", server: { port: PORT, strictPort: true }, logLevel: "error" });
await server.listen();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-background-networking", ...(values.backend === "webgpu" ? ["--enable-unsafe-webgpu"] : [])],
});
const ratio = (a: number, b: number) => +(a / b).toFixed(2);
try {
  for (let r = 0; r < Number(values.repeat); r++) {
    const node = await measureNode(threads, opts);
    const web = await measureBrowser(browser);
    if (web.threads !== threads) throw new Error(`the page ran ${web.threads} WASM thread(s), not ${threads}: is it cross-origin isolated?`);
    console.log(JSON.stringify({ bench: "engine-overhead-node", load1: loadavg()[0], ...node }));
    console.log(JSON.stringify({ bench: "engine-overhead-browser", load1: loadavg()[0], ...web }));
    console.log(
      JSON.stringify({
        bench: "browser-vs-node",
        threads,
        load1: loadavg()[0],
        overhead: { node: node.overheadRatio, browser: web.overheadRatio },
        browserOverNode: {
          total: ratio(web.meanTotalMs, node.meanTotalMs),
          run: ratio(web.meanRunMs, node.meanRunMs),
          textEncoder: ratio(web.parts.textEncoder.meanMs, node.parts.textEncoder.meanMs),
          unet: ratio(web.parts.unet.meanMs, node.parts.unet.meanMs),
          vaeDecoder: ratio(web.parts.vaeDecoder.meanMs, node.parts.vaeDecoder.meanMs),
        },
      }),
    );
  }
} finally {
  await browser.close();
  await server.close();
}
