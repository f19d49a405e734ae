/**
 * Does memory stay flat over many generations? Drives the built app in headless Chromium as a user would
 * (type a prompt, press Generate, wait for the image to reach the gallery), N times, and samples the
 * resident memory (RSS) of Chromium's renderer and GPU processes and the page's JS heap as it goes.
 * Prints one JSON line per sample and a summary: the least-squares slope in MB per generation and the
 * growth from the first sample after warm-up to the last.
 *
 *   npx vite build && npx tsx bench/memory.ts [--runs 300] [--steps 20] [--every 10] [--warmup 20] [--port 4185]
 *                                             [--backend wasm|webgpu|auto] [--dist dist]
 *
 * --dist serves another build (an A/B against a build of main: `npx vite build --outDir dist-main` there).
 *
 * --engine-only runs the engine alone (bench/browser-engine.html: the app's runtime and model in a worker,
 * no UI, no gallery) from Vite's dev server, sampling every few seconds, to tell the engine's share of a
 * creep from the page's; --ort '{"enableCpuMemArena":false}' passes session options to it.
 */
import { chromium } from "@playwright/test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createServer, preview } from "vite";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "300" },
    steps: { type: "string", default: "20" },
    every: { type: "string", default: "10" },
    warmup: { type: "string", default: "20" },
    port: { type: "string", default: "4185" },
    backend: { type: "string", default: "wasm" },
    dist: { type: "string", default: "dist" },
    "engine-only": { type: "boolean", default: false },
    ort: { type: "string", default: "{}" },
  },
});
const runs = Number(values.runs);
const every = Number(values.every);
const warmup = Number(values.warmup);

if (!values["engine-only"] && !existsSync(`${values.dist}/index.html`)) throw new Error("Build the app first: npx vite build");

interface Proc {
  pid: number;
  ppid: number;
  cmdline: string;
}

function processes(): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // the command name may hold spaces and parentheses: fields resume after the last ")"
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      out.push({ pid: Number(name), ppid, cmdline: readFileSync(`/proc/${name}/cmdline`, "utf8").replaceAll("\0", " ") });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/** RSS of this browser's renderer and GPU processes: the descendants of the process started with our profile. */
function browserMemory(profile: string): { rendererMb: number; renderers: number; gpuMb: number } {
  // the app's renderer is the largest; the others are Chromium's spare and blank renderers
  const all = processes();
  const roots = all.filter((p) => p.cmdline.includes(profile) && !p.cmdline.includes("--type="));
  const mine = new Set(roots.map((p) => p.pid));
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) {
      if (mine.has(p.ppid) && !mine.has(p.pid)) {
        mine.add(p.pid);
        grew = true;
      }
    }
  }
  const ofType = (type: string) =>
    all.filter((p) => mine.has(p.pid) && p.cmdline.includes(`--type=${type}`) && !p.cmdline.includes("--extension-process"));
  const renderers = ofType("renderer");
  return {
    rendererMb: Math.max(0, ...renderers.map((p) => rssMb(p.pid))),
    renderers: renderers.length,
    gpuMb: ofType("gpu-process").reduce((sum, p) => sum + rssMb(p.pid), 0),
  };
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** How much the least-squares line rises over the samples, in % of its value at the first. */
function fittedGrowth(xs: number[], ys: number[]): number {
  const k = slope(xs, ys);
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const atFirst = mean(ys) - k * (mean(xs) - xs[0]);
  return +(((k * (xs[xs.length - 1] - xs[0])) / atFirst) * 100).toFixed(1);
}

/** The app as a user drives it: `runs` generations, sampled every `every`. */
async function appRuns(page: import("@playwright/test").Page, cdp: import("@playwright/test").CDPSession) {
  await page.goto(`http://localhost:${values.port}/`);
  const generateButton = page.getByRole("button", { name: "Generate" });
  await generateButton.waitFor();
  while (!(await generateButton.isEnabled())) await page.waitForTimeout(100);
  if (values.backend !== "auto") await page.getByLabel("Backend").selectOption(values.backend ?? "wasm");
  await page.getByRole("textbox", { name: "Prompt", exact: true }).fill("a red star on a blue background");
  await page.getByLabel("Steps").fill(values.steps ?? "20");

  const sample = async (generation: number) => {
    await cdp.send("HeapProfiler.collectGarbage");
    const heap = await cdp.send("Runtime.getHeapUsage");
    const mem = browserMemory(profile);
    const s = {
      generation,
      rendererMb: +mem.rendererMb.toFixed(1),
      gpuMb: +mem.gpuMb.toFixed(1),
      heapMb: +(heap.usedSize / 2 ** 20).toFixed(2),
    };
    samples.push(s);
    console.log(JSON.stringify({ bench: "memory-sample", renderers: mem.renderers, load1: +loadavg()[0].toFixed(2), ...s }));
  };

  const t0 = performance.now();
  for (let i = 1; i <= runs; i++) {
    await generateButton.click();
    // the image is done when the gallery counts it
    await page.getByText(new RegExp(`^${i} images? ·`)).waitFor({ timeout: 120_000 });
    if (i === 1 || i % every === 0 || i === runs) await sample(i);
  }
  const wallS = (performance.now() - t0) / 1000;

  const after = samples.filter((s) => s.generation >= warmup);
  const first = after[0];
  const last = after[after.length - 1];
  const xs = after.map((s) => s.generation);
  const growth = (a: number, b: number) => +(((b - a) / a) * 100).toFixed(1);
  console.log(
    JSON.stringify({
      bench: "memory",
      runs,
      steps: Number(values.steps),
      backend: values.backend,
      wallS: +wallS.toFixed(0),
      renderer: {
        firstMb: first.rendererMb,
        lastMb: last.rendererMb,
        growthPct: growth(first.rendererMb, last.rendererMb),
        // one sample can catch a collection in progress: the fitted line's rise is the steadier figure
        fittedGrowthPct: fittedGrowth(
          xs,
          after.map((s) => s.rendererMb),
        ),
        slopeMbPerGeneration: +slope(
          xs,
          after.map((s) => s.rendererMb),
        ).toFixed(4),
      },
      gpu: { firstMb: first.gpuMb, lastMb: last.gpuMb },
      pageHeap: {
        firstMb: first.heapMb,
        lastMb: last.heapMb,
        slopeMbPerGeneration: +slope(
          xs,
          after.map((s) => s.heapMb),
        ).toFixed(4),
      },
    }),
  );
}

/** The engine alone: samples every 3 s while bench/browser-engine.html runs `runs` generations in its worker. */
async function engineOnly(page: import("@playwright/test").Page, cdp: import("@playwright/test").CDPSession) {
  const query = new URLSearchParams({
    runs: String(runs),
    steps: values.steps ?? "20",
    "warmup-s": "0",
    threads: "4",
    backend: values.backend ?? "wasm",
    ort: values.ort ?? "{}",
  });
  await page.goto(`http://localhost:${values.port}/bench/browser-engine.html?${query}`);
  const t0 = performance.now();
  const points: { s: number; mb: number }[] = [];
  while (!(await page.evaluate("window.benchResult !== undefined"))) {
    await cdp.send("HeapProfiler.collectGarbage");
    const mb = browserMemory(profile).rendererMb;
    points.push({ s: (performance.now() - t0) / 1000, mb });
    console.log(
      JSON.stringify({
        bench: "memory-engine-sample",
        s: Math.round(points[points.length - 1].s),
        rendererMb: +mb.toFixed(1),
        load1: +loadavg()[0].toFixed(2),
      }),
    );
    await page.waitForTimeout(3000);
  }
  const result = await page.evaluate<{ error?: string }>("window.benchResult");
  if (result.error) throw new Error(result.error);
  const wallS = (performance.now() - t0) / 1000;
  // past the first tenth (sessions created, arenas at their working size)
  const after = points.filter((p) => p.s >= wallS / 10);
  const perSecond = slope(
    after.map((p) => p.s),
    after.map((p) => p.mb),
  );
  console.log(
    JSON.stringify({
      bench: "memory-engine",
      runs,
      ort: JSON.parse(values.ort ?? "{}"),
      wallS: Math.round(wallS),
      firstMb: +after[0].mb.toFixed(1),
      lastMb: +after[after.length - 1].mb.toFixed(1),
      growthPct: +(((after[after.length - 1].mb - after[0].mb) / after[0].mb) * 100).toFixed(1),
      fittedGrowthPct: fittedGrowth(
        after.map((p) => p.s),
        after.map((p) => p.mb),
      ),
      slopeMbPerGeneration: +((perSecond * wallS) / runs).toFixed(4),
    }),
  );
}

const server = values["engine-only"]
  ? await createServer({ configFile: "vite.config.ts", server: { port: Number(values.port), strictPort: true }, logLevel: "error" }).then((s) =>
      s.listen(),
    )
  : await preview({ build: { outDir: values.dist }, preview: { port: Number(values.port), strictPort: true }, logLevel: "error" });
const profile = mkdtempSync(join(tmpdir(), "bench-memory-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    ...(values.backend !== "wasm" ? ["--enable-unsafe-webgpu"] : []),
  ],
});
const samples: { generation: number; rendererMb: number; gpuMb: number; heapMb: number }[] = [];

try {
  const page = context.pages()[0] ?? (await context.newPage());
  const cdp = await context.newCDPSession(page);
  if (values["engine-only"]) await engineOnly(page, cdp);
  else await appRuns(page, cdp);
} finally {
  await context.close();
  await server.close();
  rmSync(profile, { recursive: true, force: true });
}
