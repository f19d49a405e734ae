/**
 * Peak memory and time of a tiled VAE decode (latents → RGBA) at two sizes on onnxruntime-node, to
 * check that tiles bound memory: the larger decode should need at most 1.3× the smaller's peak,
 * while its time grows about with the tile count (≈ pixel count).
 *
 *   npx tsx bench/vaeMemory.ts [--sizes 512,1024] [--tile 32] [--overlap 8] [--runs 3] [--threads 1]
 *
 * Each size runs in its own child process (started with --expose-gc), so one size's high-water
 * marks cannot leak into the other's. Memory is sampled after a forced GC at every tile (before
 * and after its session.run) and once more with the finished image in hand:
 * - rss: the whole process (V8 heap, typed arrays and ONNX Runtime's native working memory, whose
 *   arena keeps its high-water mark, so sampling between runs sees it), minus the RSS before decoding;
 * - js: V8 heap used + ArrayBuffer bytes (tile inputs and outputs, blend buffers, the image), same baseline;
 * - tileIo: the largest tile's input + output tensor bytes, as the session wrapper sees them.
 * The finished RGBA image (4 bytes a pixel) grows with the pixel count whatever the tiling does;
 * it is reported on its own, and the ratios are given with and without it.
 */
import { execFileSync } from "node:child_process";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadModel } from "../src/engine/loadModel";
import { createNodeRuntime, openModelFolder } from "../src/engine/nodeRuntime";
import { TorchGenerator } from "../src/engine/random";
import type { ModelSession } from "../src/engine/runtime";
import { decodeLatents, planTiling } from "../src/engine/vae/vae";

const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "512,1024" },
    size: { type: "string" },
    tile: { type: "string", default: "32" },
    overlap: { type: "string", default: "8" },
    runs: { type: "string", default: "3" },
    threads: { type: "string", default: "1" },
  },
});

interface SizeResult {
  size: number;
  tiles: number;
  tile: number;
  overlap: number;
  outputBytes: number;
  peakRssBytes: number;
  peakJsBytes: number;
  peakTileIoBytes: number;
  /** The OS's high-water mark for the whole process, model loading included: an upper bound only. */
  maxRssBytes: number;
  decodeMs: number[];
}

const MB = 2 ** 20;

async function measure(size: number): Promise<SizeResult> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run the child with --expose-gc");
  const { manifest, source } = await openModelFolder(join(import.meta.dirname, "../public/models/tiny-shapes"));
  const runtime = createNodeRuntime(Number(values.threads));
  const model = await loadModel(manifest, manifest.variants[0], source, runtime);
  const s = manifest.vaeScaleFactor;
  const dims = [1, manifest.latentChannels, size / s, size / s] as const;
  const latent = new TorchGenerator(1).randn([...dims]);
  const tiling = { mode: "on", tile: Number(values.tile), overlap: Number(values.overlap) } as const;
  const plan = planTiling(model, runtime, dims[2], dims[3], tiling);

  let sampling = false;
  let peakRss = 0;
  let peakJs = 0;
  let peakTileIo = 0;
  let tiles = 0;
  const usage = () => {
    gc();
    const m = process.memoryUsage();
    return { rss: m.rss, js: m.heapUsed + m.arrayBuffers };
  };
  const sample = () => {
    if (!sampling) return;
    const u = usage();
    peakRss = Math.max(peakRss, u.rss);
    peakJs = Math.max(peakJs, u.js);
  };
  const vae: ModelSession = {
    ...model.vaeDecoder,
    run: async (feeds) => {
      sample();
      const out = await model.vaeDecoder.run(feeds);
      sample();
      const bytes = [...Object.values(feeds), ...Object.values(out)].reduce((a, t) => a + (t.data as Float32Array).byteLength, 0);
      peakTileIo = Math.max(peakTileIo, bytes);
      tiles += 1;
      return out;
    },
  };
  const probed = { ...model, vaeDecoder: vae };

  const base = usage();
  sampling = true;
  const image = await decodeLatents(probed, runtime, latent, dims, tiling);
  sample();
  sampling = false;
  const tilesPerDecode = tiles;
  const outputBytes = image.data.byteLength;

  const decodeMs: number[] = [];
  for (let i = 0; i < Number(values.runs); i++) {
    const t0 = performance.now();
    await decodeLatents(probed, runtime, latent, dims, tiling);
    decodeMs.push(+(performance.now() - t0).toFixed(1));
  }
  await model.release();
  return {
    size,
    tiles: tilesPerDecode,
    tile: plan.tile,
    overlap: plan.overlap,
    outputBytes,
    peakRssBytes: peakRss - base.rss,
    peakJsBytes: peakJs - base.js,
    peakTileIoBytes: peakTileIo,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    decodeMs,
  };
}

if (values.size) {
  console.log(JSON.stringify(await measure(Number(values.size))));
} else {
  const [small, large] = values.sizes.split(",").map(Number);
  const run = (size: number): SizeResult => {
    const args = [...process.execArgv, "--expose-gc", import.meta.filename, "--size", String(size)];
    for (const k of ["tile", "overlap", "runs", "threads"] as const) args.push(`--${k}`, values[k]);
    return JSON.parse(execFileSync(process.execPath, args, { encoding: "utf8" }).trim().split("\n").pop()!) as SizeResult;
  };
  const a = run(small);
  const b = run(large);
  const mb = (v: number) => +(v / MB).toFixed(2);
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const ratio = (x: number, y: number) => +(x / y).toFixed(2);
  for (const r of [a, b]) {
    console.log(
      JSON.stringify({
        bench: "vae-decode-memory",
        size: r.size,
        tiles: r.tiles,
        tile: r.tile,
        overlap: r.overlap,
        outputMB: mb(r.outputBytes),
        peakRssMB: mb(r.peakRssBytes),
        peakJsMB: mb(r.peakJsBytes),
        peakTileIoMB: mb(r.peakTileIoBytes),
        maxRssMB: mb(r.maxRssBytes),
        decodeMs: r.decodeMs,
      }),
    );
  }
  console.log(
    JSON.stringify({
      bench: "vae-decode-memory-ratio",
      load1: loadavg()[0],
      sizes: [small, large],
      pixels: ratio(large * large, small * small),
      tiles: ratio(b.tiles, a.tiles),
      time: ratio(median(b.decodeMs), median(a.decodeMs)),
      peakRss: ratio(b.peakRssBytes, a.peakRssBytes),
      peakRssWithoutOutput: ratio(b.peakRssBytes - b.outputBytes, a.peakRssBytes - a.outputBytes),
      peakJs: ratio(b.peakJsBytes, a.peakJsBytes),
      peakJsWithoutOutput: ratio(b.peakJsBytes - b.outputBytes, a.peakJsBytes - a.outputBytes),
    }),
  );
}
