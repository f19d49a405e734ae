/**
 * Engine overhead in Node: wall time of a generation divided by the time spent inside session.run.
 *
 *   npx tsx bench/engine.ts [--steps 20] [--runs 5] [--threads 2] [--size 64] [--sampler Euler]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadModel } from "../src/engine/loadModel";
import { createNodeRuntime, diskSource } from "../src/engine/nodeRuntime";
import { generate } from "../src/engine/pipeline";
import { parseManifest } from "../src/manifest";

const { values } = parseArgs({
  options: {
    steps: { type: "string", default: "20" },
    runs: { type: "string", default: "5" },
    threads: { type: "string", default: "2" },
    size: { type: "string", default: "64" },
    sampler: { type: "string", default: "Euler" },
    guidance: { type: "string", default: "4" },
  },
});
const folder = join(import.meta.dirname, "../public/models/tiny-shapes");
const manifest = parseManifest(JSON.parse(readFileSync(join(folder, "model.json"), "utf8")));
const runtime = createNodeRuntime(Number(values.threads));
const model = await loadModel(manifest, manifest.variants[0], diskSource(folder), runtime);
const size = Number(values.size);
const params = {
  prompt: "a red star on a blue background",
  negativePrompt: "",
  steps: Number(values.steps),
  guidance: Number(values.guidance),
  seed: 1,
  width: size,
  height: size,
  sampler: values.sampler,
};
await generate(model, runtime, params, { onPreview: () => undefined }); // warm-up
const rows: Awaited<ReturnType<typeof generate>>["timings"][] = [];
for (let i = 0; i < Number(values.runs); i++) {
  const r = await generate(model, runtime, { ...params, seed: i + 2 }, { onPreview: () => undefined });
  rows.push(r.timings);
}
const sum = (k: "totalMs" | "runMs") => rows.reduce((a, r) => a + r[k], 0);
const total = sum("totalMs");
const run = sum("runMs");
console.log(
  JSON.stringify({
    bench: "engine-overhead-node",
    threads: Number(values.threads),
    steps: params.steps,
    size,
    guidance: params.guidance,
    sampler: params.sampler,
    runs: rows.length,
    meanTotalMs: +(total / rows.length).toFixed(1),
    meanRunMs: +(run / rows.length).toFixed(1),
    overheadRatio: +(total / run).toFixed(4),
    perStepOverheadMs: +((total - run) / rows.length / params.steps).toFixed(3),
  }),
);
await model.release();
