/**
 * Engine overhead in the browser (WASM backend, Debian Chromium), and the ratio to onnxruntime-node
 * with the same model, steps and threads.
 *
 *   npx tsx bench/browser.ts [--steps 20] [--runs 5] [--size 64] [--backend wasm]
 * (then compare with: npx tsx bench/engine.ts --threads <threads printed here>)
 */
import { chromium } from "@playwright/test";
import { parseArgs } from "node:util";
import { createServer } from "vite";

const { values } = parseArgs({
  options: {
    steps: { type: "string", default: "20" },
    runs: { type: "string", default: "5" },
    size: { type: "string", default: "64" },
    backend: { type: "string", default: "wasm" },
  },
});
const server = await createServer({ configFile: "vite.config.ts", server: { port: 5199, strictPort: true }, logLevel: "error" });
await server.listen();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-background-networking", ...(values.backend === "webgpu" ? ["--enable-unsafe-webgpu"] : [])],
});
try {
  const page = await browser.newPage();
  const query = new URLSearchParams({ steps: values.steps, runs: values.runs, size: values.size, backend: values.backend });
  await page.goto(`http://localhost:5199/bench/browser-engine.html?${query}`);
  await page.waitForFunction(() => (window as unknown as { benchResult?: unknown }).benchResult !== undefined, null, {
    timeout: 600_000,
  });
  console.log(JSON.stringify(await page.evaluate(() => (window as unknown as { benchResult: unknown }).benchResult)));
} finally {
  await browser.close();
  await server.close();
}
