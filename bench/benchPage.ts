/**
 * What the storage benches share: the repo served by Vite as the app is (cross-origin isolated), a Chromium
 * with a persistent profile on disk, and the page's memory sampled through CDP.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type CDPSession, type Page } from "@playwright/test";
import { existsSync } from "node:fs";
import { createServer, preview } from "vite";

const MB = 1024 * 1024;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export interface BenchPage {
  page: Page;
  cdp: CDPSession;
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Opens `htmlPath` (relative to the repo root) in Chromium with a fresh on-disk profile. By default an empty page
 * on the Vite server, into which each storage bench imports its own bench/*Page.ts.
 */
export async function openBenchPage(htmlPath = "bench/benchPage.html"): Promise<BenchPage> {
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
  // Playwright's default contexts are off-the-record, whose storage lives in memory with a small quota and
  // would measure neither the disk nor the real limits
  const profile = await mkdtemp(path.join(tmpdir(), "bench-profile-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-background-networking", "--no-first-run"],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`http://localhost:${port}/${htmlPath}`);
  const cdp = await context.newCDPSession(page);
  return {
    page,
    cdp,
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
      await vite.close();
    },
  };
}

async function heapBytes(cdp: CDPSession): Promise<number> {
  const h = await cdp.send("Runtime.getHeapUsage");
  return h.usedSize + h.backingStorageSize;
}

/** JS heap plus ArrayBuffer backing stores: idle (after a GC) and peak while `work` runs, sampled every 20 ms. */
export async function withHeapPeak<T>(cdp: CDPSession, work: () => Promise<T>): Promise<{ result: T; idleMB: number; peakMB: number }> {
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

export interface BuiltApp {
  url: string;
  page: Page;
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * The production build (dist/) served as `vite preview` serves it, in Chromium with a fresh on-disk profile, so the
 * service worker, its caches and the weight cache behave as for a real first visit.
 */
export async function openBuiltApp(profilePrefix: string): Promise<BuiltApp> {
  if (!existsSync(path.join(repoRoot, "dist/index.html"))) throw new Error("Build the app first: npx vite build");
  const server = await preview({ root: repoRoot, logLevel: "error", preview: { port: 0, host: "localhost" } });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error("vite preview did not report its address");
  const profile = await mkdtemp(path.join(tmpdir(), profilePrefix));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-background-networking", "--no-first-run"],
  });
  return {
    url,
    page: context.pages()[0] ?? (await context.newPage()),
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
      await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
    },
  };
}
