/**
 * The built-in SDXL-style model's 4-bit U-Net against its fp32 U-Net on the same inputs (issue 8's numbers):
 *
 *   npx tsx bench/quantized.ts [--seeds 8]
 *
 * Prints the file sizes and the max/mean absolute difference of the predicted noise over a batch spanning
 * the schedule, for several noise seeds.
 */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { encodePrompts } from "../src/engine/conditioning";
import { loadModel } from "../src/engine/loadModel";
import { createNodeRuntime, openModelFolder } from "../src/engine/nodeRuntime";
import { torchRandn } from "../src/engine/random";

const { values } = parseArgs({ options: { seeds: { type: "string", default: "8" } } });
const folder = join(import.meta.dirname, "../public/models/tiny-shapes-xl");
const { manifest, source } = await openModelFolder(folder);
const [fp32, q4] = ["fp32", "q4"].map((id) => manifest.variants.find((v) => v.id === id)!);
const runtime = createNodeRuntime(1);
const model = await loadModel(manifest, fp32, source, runtime);
const unet4 = await runtime.createSession(new Uint8Array(readFileSync(join(folder, q4.files.unet.path))));

const size = (path: string) => statSync(join(folder, path)).size;
console.log(`U-Net fp32 ${(size(fp32.files.unet.path) / 1e6).toFixed(2)} MB, 4-bit ${(size(q4.files.unet.path) / 1e6).toFixed(2)} MB`);

const prompts = ["a red star on a blue background", "", "a green circle on a white background", "a purple square"];
const timesteps = [999, 700, 400, 50];
const { conditioning } = await encodePrompts(manifest, model.textEncoders, runtime, prompts, { width: 64, height: 64 });
let max = 0;
let sum = 0;
let scale = 0;
let n = 0;
for (let seed = 0; seed < Number(values.seeds); seed++) {
  const sample = runtime.tensor("float32", torchRandn(seed, [4, 4, 8, 8]), [4, 4, 8, 8]);
  const a = (await model.unet.run({ sample, timestep: runtime.tensor("int64", BigInt64Array.from(timesteps, BigInt), [4]), ...conditioning }))
    .out_sample.data as Float32Array;
  const b = (await unet4.run({ sample, timestep: runtime.tensor("float32", Float32Array.from(timesteps), [4]), ...conditioning })).out_sample
    .data as Float32Array;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    max = Math.max(max, d);
    sum += d;
    scale += Math.abs(a[i]);
    n++;
  }
}
console.log(`predicted noise, ${n} values: max |Δ| ${max.toFixed(4)}, mean |Δ| ${(sum / n).toFixed(4)} (mean |ε| ${(scale / n).toFixed(3)})`);
await Promise.all([model.release(), unet4.release()]);
