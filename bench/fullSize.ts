/**
 * The full-size SD-Turbo twin (tools/twins/full_size.py: SD 2.1's widths, random float32 weights, the hub repo's
 * layout) through the engine and through diffusers on the same machine: load time, one-step 512² generation time,
 * and the peak resident memory of each, as a multiple of the weights' bytes. Each side runs in a child process of
 * its own so its peak is its own. Engine modes, A/B in one run: "located" (ONNX Runtime opens the files itself,
 * without its CPU memory arena for large parts: what the engine does), "located-arena" (the same with the arena on)
 * and "bytes" (every file read into a buffer of ours first, which cannot hold a file over 2 GiB).
 *
 *   PYTHONPATH=/work/ext/diffusers/src /work/.venv/bin/python tools/twins/full_size.py /tmp/sd-turbo-full
 *   npx tsx bench/fullSize.ts --dir /tmp/sd-turbo-full [--python /work/.venv/bin/python] [--threads 2]
 */
import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { loadModel, type ModelSource } from "../src/engine/loadModel";
import { createNodeRuntime, diskSource } from "../src/engine/nodeRuntime";
import { generate } from "../src/engine/pipeline";
import type { ModelVariant } from "../src/manifest";
import { variantFiles, type HubCatalogEntry } from "../src/hub/hubModel";
import { CATALOG } from "../src/models/catalog";

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const dir = arg("dir", "/tmp/sd-turbo-full");
const threads = Number(arg("threads", "2"));
const repo = join(dir, "schmuell/sd-turbo-ort-web");
const entry = CATALOG.find((e): e is HubCatalogEntry => e.kind === "hub" && e.manifest.id === "sd-turbo")!;
// the twin keeps the float32 U-Net's 3.5 GB beside its graph, which the real fp16 export does not need
const variant: ModelVariant = {
  ...entry.manifest.variants[0],
  files: { ...entry.manifest.variants[0].files, unet: { path: "unet/model.onnx", externalData: [{ path: "unet/model.onnx_data" }] } },
};
delete variant.files.vae_encoder;
const manifest = { ...entry.manifest, variants: [variant] };
const MB = 2 ** 20;
const params = {
  prompt: "a photograph of an astronaut riding a horse",
  negativePrompt: "",
  seed: 0,
  steps: 1,
  guidance: 0,
  width: 512,
  height: 512,
  sampler: "Euler",
};

const MODES = ["located", "located-arena", "bytes"] as const;
type Mode = (typeof MODES)[number];

async function child(mode: Mode): Promise<void> {
  const disk = diskSource(repo);
  const source: ModelSource = mode === "bytes" ? { read: disk.read } : disk;
  const runtime = createNodeRuntime(threads, mode === "located-arena" ? { enableCpuMemArena: true } : {});
  const t0 = performance.now();
  const model = await loadModel(manifest, variant, source, runtime);
  const loadMs = performance.now() - t0;
  const loadPeak = process.resourceUsage().maxRSS * 1024;
  const t1 = performance.now();
  await generate(model, runtime, params);
  const generateMs = performance.now() - t1;
  console.log(JSON.stringify({ loadMs, generateMs, loadPeakBytes: loadPeak, peakBytes: process.resourceUsage().maxRSS * 1024 }));
}

const DIFFUSERS = String.raw`
import json, resource, sys, time, torch
from diffusers import StableDiffusionPipeline
torch.set_num_threads(int(sys.argv[2]))
t0 = time.perf_counter()
pipe = StableDiffusionPipeline.from_pretrained(sys.argv[1], safety_checker=None)
load = time.perf_counter() - t0
load_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
t1 = time.perf_counter()
pipe("a photograph of an astronaut riding a horse", num_inference_steps=1, guidance_scale=0.0, height=512, width=512,
     generator=torch.Generator("cpu").manual_seed(0))
print(json.dumps({"loadMs": load * 1000, "generateMs": (time.perf_counter() - t1) * 1000, "loadPeakBytes": load_peak,
                  "peakBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
`;

type Measured = { loadMs: number; generateMs: number; loadPeakBytes: number; peakBytes: number } | { error: string };

function run(cmd: string, argv: string[], env: NodeJS.ProcessEnv = process.env): Measured {
  try {
    const out = execFileSync(cmd, argv, { env, encoding: "utf8", maxBuffer: 64 * MB, stdio: ["ignore", "pipe", "pipe"] });
    return JSON.parse(out.trim().split("\n").pop()!) as Measured;
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? err);
    return {
      error:
        stderr
          .split("\n")
          .find((l) => /Error/.test(l))
          ?.trim() ?? stderr.slice(0, 200),
    };
  }
}

if (args.includes("--child")) {
  await child(arg("child", "located") as Mode);
} else {
  if (!existsSync(repo)) throw new Error(`No twin at ${repo}: run tools/twins/full_size.py ${dir} first.`);
  const weightBytes = variantFiles(manifest, variant.id)
    .filter((f) => f.path.endsWith(".onnx") || f.path.endsWith("_data"))
    .reduce((n, f) => n + statSync(join(repo, f.path)).size, 0);
  const rows: Record<string, Measured> = {};
  for (const mode of MODES)
    rows[`engine (${mode})`] = run("npx", ["tsx", "bench/fullSize.ts", "--child", mode, "--dir", dir, "--threads", String(threads)]);
  const python = arg("python", "/work/.venv/bin/python");
  rows.diffusers = run(python, ["-c", DIFFUSERS, join(dir, "diffusers"), String(threads)], {
    ...process.env,
    PYTHONPATH: [process.env.PYTHONPATH, "/work/ext/diffusers/src"].filter(Boolean).join(":"),
  });
  console.log(`weights: ${(weightBytes / MB).toFixed(0)} MiB of ONNX files; ${threads} thread(s)`);
  for (const [name, m] of Object.entries(rows)) {
    if ("error" in m) {
      console.log(`${name.padEnd(24)} failed: ${m.error}`);
      continue;
    }
    console.log(
      `${name.padEnd(24)} load ${(m.loadMs / 1000).toFixed(1)} s, peak ${(m.loadPeakBytes / MB).toFixed(0)} MiB (${(m.loadPeakBytes / weightBytes).toFixed(2)}× weights); ` +
        `generate ${(m.generateMs / 1000).toFixed(1)} s, peak ${(m.peakBytes / MB).toFixed(0)} MiB (${(m.peakBytes / weightBytes).toFixed(2)}× weights)`,
    );
  }
  const [located, reference] = [rows["engine (located)"], rows.diffusers];
  if (!("error" in located) && !("error" in reference)) {
    console.log(`load time engine (located) ÷ diffusers: ${(located.loadMs / reference.loadMs).toFixed(2)}`);
  }
}
