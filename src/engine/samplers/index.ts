import { ddimSampler } from "./ddim";
import { dpmpp2m } from "./dpmpp2m";
import { euler } from "./euler";
import { eulerAncestral } from "./eulerAncestral";
import { lcm } from "./lcm";
import { ddimPlan, eulerKarrasPlan, eulerPlan, img2imgPlan, lcmPlan, multistepPlan } from "./schedule";
import type { SchedulerConfig } from "../../schedulerConfig";
import { SAMPLER_NAMES, type SamplerName } from "../../params";
import type { Sampler, SamplingPlan } from "./types";
import { unipc } from "./unipc";

// the samplers' front door: a sampler by name with its plan, the denoiser over a U-Net, and what a run ends on
export type { Denoiser, Latent, LatentSpace, NoiseLevel, Sampler, SamplerOptions, SamplerResult, SamplingPlan, StepInfo } from "./types";
export type { SchedulerConfig } from "../../schedulerConfig";
export { createDenoiser, type KnownLatent, type ModelCall } from "./denoiser";
export { vpLatent } from "./vp";
export { SAMPLER_NAMES, type SamplerName } from "../../params";

export interface A1111Sampler {
  sampler: string;
  scheduleType?: "Karras";
}

export interface PrepareOptions {
  /** img2img: how much of the schedule to run, 0–1 (diffusers' strength). */
  strength?: number;
  /** DDIM's η: 0 is deterministic, 1 is DDPM-like. */
  eta?: number;
}

export interface PreparedSampling {
  plan: SamplingPlan;
  sampler: Sampler;
  /** img2img only: noise the encoded source latent to the first step, x = x0 + sourceNoiseSigma·noise. */
  sourceNoiseSigma?: number;
}

interface Entry {
  plan: (cfg: SchedulerConfig, steps: number) => SamplingPlan;
  sampler: (options: PrepareOptions) => Sampler;
  a1111: A1111Sampler;
}

const REGISTRY: Record<SamplerName, Entry> = {
  Euler: { plan: eulerPlan, sampler: () => euler, a1111: { sampler: "Euler" } },
  "Euler a": { plan: eulerPlan, sampler: () => eulerAncestral, a1111: { sampler: "Euler a" } },
  DDIM: { plan: ddimPlan, sampler: (o) => ddimSampler(o.eta ?? 0), a1111: { sampler: "DDIM" } },
  "DPM++ 2M": { plan: (c, n) => multistepPlan(c, n), sampler: () => dpmpp2m, a1111: { sampler: "DPM++ 2M" } },
  "DPM++ 2M Karras": {
    plan: (c, n) => multistepPlan(c, n, true),
    sampler: () => dpmpp2m,
    a1111: { sampler: "DPM++ 2M", scheduleType: "Karras" },
  },
  "Euler Karras": { plan: eulerKarrasPlan, sampler: () => euler, a1111: { sampler: "Euler", scheduleType: "Karras" } },
  LCM: { plan: (c, n) => lcmPlan(c, n), sampler: () => lcm, a1111: { sampler: "LCM" } },
  UniPC: { plan: (c, n) => multistepPlan(c, n), sampler: () => unipc, a1111: { sampler: "UniPC" } },
};

export function isSamplerName(name: string): name is SamplerName {
  return (SAMPLER_NAMES as readonly string[]).includes(name);
}

function entryFor(name: string): Entry {
  if (!isSamplerName(name)) throw new RangeError(`Unknown sampler "${name}"; pick one of: ${SAMPLER_NAMES.join(", ")}.`);
  return REGISTRY[name];
}

/** How AUTOMATIC1111 writes a sampler in its parameters text (`Sampler: DPM++ 2M, Schedule type: Karras`). */
export function a1111Sampler(name: string): A1111Sampler {
  return { ...entryFor(name).a1111 };
}

/**
 * The plan and sampler for a sampler name. txt2img starts from x = unitNoise·plan.initNoiseSigma; img2img
 * (options.strength) from x = source + sourceNoiseSigma·unitNoise. The sampler's result says which space its latent is
 * in; vpLatent(result) is what the VAE decodes.
 */
export function prepareSampling(name: string, cfg: SchedulerConfig, steps: number, options: PrepareOptions = {}): PreparedSampling {
  const entry = entryFor(name);
  const sampler = entry.sampler(options);
  if (options.strength === undefined) return { plan: entry.plan(cfg, steps), sampler };
  if (name === "LCM") {
    // LCM img2img shortens the distillation schedule itself instead of skipping steps
    const plan = lcmPlan(cfg, steps, options.strength);
    return { plan, sampler, sourceNoiseSigma: plan.sigmas[0] };
  }
  const { plan, noiseSigma } = img2imgPlan(entry.plan(cfg, steps), options.strength);
  return { plan, sampler, sourceNoiseSigma: noiseSigma };
}
