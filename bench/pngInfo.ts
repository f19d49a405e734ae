/**
 * Reading settings from hostile PNGs must not freeze the page. Builds each file, hands it to the built app's
 * "Read settings from a PNG" picker in headless Chromium, and reports the time until the page answers and the
 * longest main-thread task meanwhile (a long-task observer; the goal is none over 200 ms).
 *
 *   npx vite build && npx tsx bench/pngInfo.ts [--port 4184]
 */
import { chromium } from "@playwright/test";
import { zlibSync } from "fflate";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { preview } from "vite";
import { encodePng } from "../src/png/encodePng";
import { insertTextChunks, joinPngChunks, splitPngChunks, type PngChunk } from "../src/png/pngChunks";

const { values } = parseArgs({ options: { port: { type: "string", default: "4184" } } });
if (!existsSync("dist/index.html")) throw new Error("Build the app first: npx vite build");

const base = encodePng(new Uint8Array(64 * 64 * 4).fill(200), 64, 64);
const SETTINGS = "\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 64x64";

function withChunk(png: Uint8Array, chunk: PngChunk): Uint8Array {
  const chunks = splitPngChunks(png);
  return joinPngChunks([...chunks.slice(0, -1), chunk, chunks[chunks.length - 1]]);
}

/** A zTXt "parameters" chunk holding `bytes` of text compressed (a bomb when the text is one repeated byte). */
function ztxtParameters(text: Uint8Array): PngChunk {
  const keyword = Uint8Array.from("parameters", (c) => c.charCodeAt(0));
  return { type: "zTXt", data: Uint8Array.from([...keyword, 0, 0, ...zlibSync(text, { level: 9 })]) };
}

const FILES: { name: string; bytes: () => Uint8Array }[] = [
  { name: "10 MB parameters (tEXt)", bytes: () => insertTextChunks(base, { parameters: `${"a red star, ".repeat(873_814)}${SETTINGS}` }) },
  { name: "zTXt bomb (256 MB of text in 256 KB)", bytes: () => withChunk(base, ztxtParameters(new Uint8Array(256 * 2 ** 20).fill(0x61))) },
  {
    name: "60 MB of image data, then settings",
    bytes: () => insertTextChunks(withChunk(base, { type: "IDAT", data: new Uint8Array(60 * 2 ** 20) }), { parameters: `a red star${SETTINGS}` }),
  },
  { name: "ordinary settings", bytes: () => insertTextChunks(base, { parameters: `a red star${SETTINGS}` }) },
];

const server = await preview({ preview: { port: Number(values.port), strictPort: true }, logLevel: "error" });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update"],
});
// files on disk, as a user picks them: a buffer would be decoded from base64 by Playwright's script on the page's own thread
const folder = mkdtempSync(join(tmpdir(), "bench-png-info-"));
try {
  for (const [i, file] of FILES.entries()) {
    const bytes = file.bytes();
    const path = join(folder, `file-${i}.png`);
    writeFileSync(path, bytes);
    const page = await browser.newPage();
    await page.goto(`http://localhost:${values.port}/`);
    await page.getByRole("button", { name: "Generate" }).waitFor();
    await page.evaluate(`(() => {
      window.longTasks = [];
      new PerformanceObserver((list) => { for (const e of list.getEntries()) window.longTasks.push(e.duration); }).observe({ type: "longtask" });
    })()`);
    // let the page's own start-up tasks pass before measuring
    await page.waitForTimeout(2000);
    await page.evaluate("window.longTasks.length = 0");
    const t0 = performance.now();
    await page.getByLabel("Read settings from a PNG").setInputFiles(path);
    const answer = page
      .getByRole("region", { name: "Settings from a PNG" })
      .getByRole("alert")
      .or(page.getByRole("region", { name: "Settings from a PNG" }).getByRole("status"));
    await answer.waitFor({ timeout: 120_000 });
    const answeredMs = performance.now() - t0;
    await page.waitForTimeout(500);
    const tasks = await page.evaluate<number[]>("window.longTasks");
    console.log(
      JSON.stringify({
        bench: "png-info",
        file: file.name,
        fileBytes: bytes.length,
        answeredMs: Math.round(answeredMs),
        longestTaskMs: Math.round(Math.max(0, ...tasks)),
        longTasks: tasks.length,
        message: (await answer.textContent())?.slice(0, 120),
        load1: +loadavg()[0].toFixed(2),
      }),
    );
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
  rmSync(folder, { recursive: true, force: true });
}
