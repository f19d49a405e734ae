/**
 * What a first visit stores for offline use (issue 14): a fresh Chromium profile opens the built app, waits
 * for the service worker to finish installing, and adds up every response in Cache Storage. Headless
 * Chromium here has no WebGPU, so this is the device the goal is for: ≤ 25 MB. Then one generation, and
 * the caches are added up again: a device without WebGPU must fetch nothing more for offline use.
 *
 * Run after a build: npx vite build && npx tsx bench/precache.ts
 * (Chromium from CHROMIUM_PATH or /usr/bin/chromium; the app served by `vite preview` of dist/)
 */
import type { Page } from "@playwright/test";
import { openBuiltApp } from "./benchPage";

interface CacheFigures {
  webgpu: boolean;
  caches: Record<string, { entries: number; bytes: number }>;
  largest: { url: string; bytes: number }[];
}

/** Every cache's entry count and bytes (bodies read in full), and the five largest entries. */
function cacheFigures(page: Page): Promise<CacheFigures> {
  return page.evaluate(async () => {
    const caches_: Record<string, { entries: number; bytes: number }> = {};
    const all: { url: string; bytes: number }[] = [];
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      let bytes = 0;
      const requests = await cache.keys();
      for (const request of requests) {
        const response = await cache.match(request);
        const size = response ? (await response.arrayBuffer()).byteLength : 0;
        bytes += size;
        all.push({ url: new URL(request.url).pathname, bytes: size });
      }
      caches_[name] = { entries: requests.length, bytes };
    }
    all.sort((a, b) => b.bytes - a.bytes);
    return { webgpu: "gpu" in navigator && (await navigator.gpu.requestAdapter()) !== null, caches: caches_, largest: all.slice(0, 5) };
  });
}

const MB = 1e6;
const total = (f: CacheFigures) => Object.values(f.caches).reduce((sum, c) => sum + c.bytes, 0);

const { url, page, context, close } = await openBuiltApp("precache-");
try {
  await page.goto(url);
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  const first = await cacheFigures(page);
  console.log(`Chromium ${context.browser()?.version() ?? ""}, WebGPU adapter: ${first.webgpu}`);
  console.log(JSON.stringify({ after: "first visit", totalMB: +(total(first) / MB).toFixed(2), goalMB: 25, ...first }, null, 1));

  // one generation, offline-ready: reload so the service worker controls the page, then generate
  await page.reload();
  await page.getByRole("textbox", { name: "Prompt", exact: true }).fill("a red star on a blue background");
  await page.getByRole("button", { name: "Generate" }).click();
  await page.getByRole("img", { name: /^Generated image/ }).waitFor({ timeout: 300_000 });
  const used = await cacheFigures(page);
  console.log(JSON.stringify({ after: "one generation", totalMB: +(total(used) / MB).toFixed(2), caches: used.caches }));
} finally {
  await close();
}
