/**
 * Sampler overhead per step, outside the model: an instant denoiser on a 1×4×64×64 float32 latent (goal ≤ 1 ms/step).
 * Run: npx vitest bench --run bench/samplers.bench.ts — each row is one 20-step generation, so ms/step = mean / 20.
 */
import { bench, describe } from "vitest";
import { SAMPLER_NAMES, prepareSampling, type Denoiser, type SchedulerConfig } from "../src/engine/samplers";
import { SD_TRAINING_SCHEDULE } from "../src/models/catalog";

const STEPS = 20;
const SIZE = 1 * 4 * 64 * 64;
const cfg: SchedulerConfig = { ...SD_TRAINING_SCHEDULE, timestep_spacing: "leading", steps_offset: 1, prediction_type: "epsilon" };

const prediction = Float32Array.from({ length: SIZE }, (_, j) => Math.sin(j));
const unitNoise = Float32Array.from({ length: SIZE }, (_, j) => Math.cos(j * 1.7));
const instant: Denoiser = async () => prediction;
const noise = () => unitNoise;

describe(`${STEPS} steps, 1×4×64×64 float32, instant denoiser`, () => {
  for (const name of SAMPLER_NAMES) {
    const { plan, sampler } = prepareSampling(name, cfg, STEPS);
    const x = unitNoise.map((v) => v * plan.initNoiseSigma);
    bench(name, async () => {
      await sampler(instant, x, plan, { noise });
    });
  }
});
