import { arange, f32, interpAtIndex, linspace, linspaceF32, roundHalfEven } from "./numerics";
import type { SchedulerConfig } from "../../schedulerConfig";
import type { SamplingPlan } from "./types";

export { arange, interpAtIndex, linspace, roundHalfEven } from "./numerics";

/** ᾱ_t for every training timestep, bit for bit as diffusers holds it (float32 betas, float64 running product). */
export function alphasCumprod(cfg: SchedulerConfig): Float32Array {
  const n = cfg.num_train_timesteps;
  const betas = cfg.trained_betas
    ? Float32Array.from(cfg.trained_betas)
    : cfg.beta_schedule === "scaled_linear"
      ? linspaceF32(Math.sqrt(cfg.beta_start), Math.sqrt(cfg.beta_end), n).map((b) => b * b)
      : linspaceF32(cfg.beta_start, cfg.beta_end, n);
  const out = new Float32Array(n);
  let prod = 1;
  for (let i = 0; i < n; i++) {
    prod *= f32(1 - betas[i]);
    out[i] = prod;
  }
  return out;
}

/** σ_t = sqrt((1 − ᾱ_t) / ᾱ_t) for every training timestep, in float32 like diffusers' sigma table. */
export function trainingSigmas(cfg: SchedulerConfig): Float32Array {
  return alphasCumprod(cfg).map((a) => Math.sqrt(f32(f32(1 - a) / a)));
}

/** σ of a noise level ᾱ, in float64: σ² = (1 − ᾱ) / ᾱ. */
export function sigmaOfAlpha(alphaCumprod: number): number {
  return Math.sqrt((1 - alphaCumprod) / alphaCumprod);
}

/** Karras et al. (2022) eq. 5: n sigmas from σ_max to σ_min, evenly spaced in σ^(1/ρ), ρ = 7. */
export function karrasSigmas(sigmaMin: number, sigmaMax: number, n: number, rho = 7): number[] {
  const minInv = sigmaMin ** (1 / rho);
  const maxInv = sigmaMax ** (1 / rho);
  return linspace(0, 1, n).map((r) => (maxInv + r * (minInv - maxInv)) ** rho);
}

/** diffusers' _sigma_to_t: the fractional timestep whose log σ matches, linear in log σ between table entries. */
export function sigmaToTimestep(sigma: number, logSigmas: ArrayLike<number>): number {
  const logSigma = Math.log(Math.max(sigma, 1e-10));
  let low = 0;
  for (let j = 0; j < logSigmas.length; j++) if (logSigmas[j] <= logSigma) low = j;
  low = Math.min(low, logSigmas.length - 2);
  const w = Math.min(Math.max((logSigmas[low] - logSigma) / (logSigmas[low] - logSigmas[low + 1]), 0), 1);
  return (1 - w) * low + w * (low + 1);
}

/** Descending timesteps of the Euler-family schedulers (float32), by the config's timestep_spacing. */
export function spacedTimesteps(cfg: SchedulerConfig, n: number): number[] {
  const T = cfg.num_train_timesteps;
  switch (cfg.timestep_spacing) {
    case "linspace":
      return linspace(0, T - 1, n)
        .map(f32)
        .reverse();
    case "leading":
      return leading(n, Math.floor(T / n), cfg.steps_offset);
    case "trailing":
      return trailing(T, n);
  }
}

/** arange(0, n)·ratio rounded, descending, plus steps_offset. */
function leading(n: number, ratio: number, offset: number): number[] {
  return arange(0, n, 1)
    .map((i) => roundHalfEven(i * ratio) + offset)
    .reverse();
}

/** round(arange(T, 0, −T/n)) − 1: float steps, so n = 48 gives 999, 978, 957, 936, 916, … */
function trailing(T: number, n: number): number[] {
  return arange(T, 0, -T / n).map((t) => roundHalfEven(t) - 1);
}

/** DDIMScheduler's integer timesteps: linspace is rounded, the others as the Euler family. */
function ddimTimesteps(cfg: SchedulerConfig, n: number): number[] {
  if (cfg.timestep_spacing === "linspace")
    return linspace(0, cfg.num_train_timesteps - 1, n)
      .map(roundHalfEven)
      .reverse();
  return spacedTimesteps(cfg, n);
}

/** DPMSolverMultistep / UniPCMultistep spacing: n + 1 points with the last (t = 0) dropped. */
function multistepTimesteps(cfg: SchedulerConfig, n: number): number[] {
  const T = cfg.num_train_timesteps;
  switch (cfg.timestep_spacing) {
    case "linspace":
      return linspace(0, T - 1, n + 1)
        .map(roundHalfEven)
        .reverse()
        .slice(0, n);
    case "leading":
      return leading(n + 1, Math.floor(T / (n + 1)), cfg.steps_offset).slice(0, n);
    case "trailing":
      return trailing(T, n);
  }
}

function checkSteps(cfg: SchedulerConfig, steps: number): void {
  if (!Number.isInteger(steps) || steps < 1 || steps > cfg.num_train_timesteps) {
    throw new RangeError(`Steps must be a whole number from 1 to ${cfg.num_train_timesteps}; got ${steps}.`);
  }
}

/** Initial noise scale of the Euler family: σ_max for linspace/trailing, sqrt(σ_max² + 1) for leading (float32). */
function eulerInitNoiseSigma(cfg: SchedulerConfig, sigmas: number[]): number {
  const max = Math.max(...sigmas);
  return cfg.timestep_spacing === "leading" ? f32(Math.sqrt(f32(f32(max * max) + 1))) : max;
}

/** EulerDiscreteScheduler (and Euler ancestral): sigmas interpolated at the spaced timesteps, then 0. */
export function eulerPlan(cfg: SchedulerConfig, steps: number): SamplingPlan {
  checkSteps(cfg, steps);
  const table = trainingSigmas(cfg);
  const timesteps = spacedTimesteps(cfg, steps);
  const sigmas = timesteps.map((t) => f32(interpAtIndex(table, t)));
  return { timesteps, sigmas: [...sigmas, 0], initNoiseSigma: eulerInitNoiseSigma(cfg, sigmas) };
}

/** EulerDiscreteScheduler with use_karras_sigmas: Karras sigmas over the range of the spacing's own sigmas. */
export function eulerKarrasPlan(cfg: SchedulerConfig, steps: number): SamplingPlan {
  checkSteps(cfg, steps);
  const table = trainingSigmas(cfg);
  const logTable = table.map(Math.log);
  const spaced = spacedTimesteps(cfg, steps).map((t) => interpAtIndex(table, t));
  const karras = karrasSigmas(spaced[spaced.length - 1], spaced[0], steps);
  const timesteps = karras.map((s) => f32(sigmaToTimestep(s, logTable)));
  const sigmas = karras.map(f32);
  return { timesteps, sigmas: [...sigmas, 0], initNoiseSigma: eulerInitNoiseSigma(cfg, sigmas) };
}

/**
 * DDIMScheduler: σ of ᾱ at each timestep. Each step lands on t − ⌊T/N⌋ (targetSigmas), which is not always the
 * next timestep (trailing or linspace spacing); the last lands on ᾱ₀ (or ᾱ = 1 with set_alpha_to_one).
 */
export function ddimPlan(cfg: SchedulerConfig, steps: number): SamplingPlan {
  checkSteps(cfg, steps);
  const ac = alphasCumprod(cfg);
  const timesteps = ddimTimesteps(cfg, steps);
  const final = cfg.set_alpha_to_one ? 0 : sigmaOfAlpha(ac[0]);
  const sigmas = timesteps.map((t) => sigmaOfAlpha(ac[t]));
  const ratio = Math.floor(cfg.num_train_timesteps / steps);
  const targetSigmas = timesteps.map((t) => (t - ratio >= 0 ? sigmaOfAlpha(ac[t - ratio]) : final));
  return { timesteps, sigmas: [...sigmas, targetSigmas[steps - 1]], targetSigmas, initNoiseSigma: vpInitNoiseSigma(sigmas[0]) };
}

/**
 * DPMSolverMultistep / UniPCMultistep: training sigmas at their own spacing, or (karras) Karras sigmas over the
 * full training range with timesteps rounded to the nearest training step; final sigma 0.
 */
export function multistepPlan(cfg: SchedulerConfig, steps: number, karras = false): SamplingPlan {
  checkSteps(cfg, steps);
  const table = trainingSigmas(cfg);
  let timesteps: number[];
  let sigmas: number[];
  if (karras) {
    const logTable = table.map(Math.log);
    const exact = karrasSigmas(table[0], table[table.length - 1], steps);
    timesteps = exact.map((s) => roundHalfEven(sigmaToTimestep(s, logTable)));
    sigmas = exact.map(f32);
  } else {
    timesteps = multistepTimesteps(cfg, steps);
    sigmas = timesteps.map((t) => table[t]);
  }
  return { timesteps, sigmas: [...sigmas, 0], initNoiseSigma: vpInitNoiseSigma(sigmas[0]) };
}

/**
 * LCMScheduler: `steps` of the original distillation schedule (original_inference_steps, 50 unless the config says,
 * t = 20k − 1 at 50), evenly skipped; with img2img strength < 1 the schedule only covers the first strength·50 of
 * them (LCM img2img pipeline).
 */
export function lcmPlan(cfg: SchedulerConfig, steps: number, strength = 1): SamplingPlan {
  const originalSteps = cfg.original_inference_steps ?? 50;
  if (!(strength > 0 && strength <= 1)) throw new RangeError(`LCM strength must be above 0 and at most 1; got ${strength}.`);
  const k = Math.floor(cfg.num_train_timesteps / originalSteps);
  const origin = Array.from({ length: Math.floor(originalSteps * strength) }, (_, i) => (i + 1) * k - 1).reverse();
  if (!Number.isInteger(steps) || steps < 1 || steps > originalSteps || steps > origin.length) {
    throw new RangeError(
      `LCM takes 1 to ${Math.min(originalSteps, origin.length)} steps at strength ${strength}; got ${steps}. Use fewer steps or a higher strength.`,
    );
  }
  const ac = alphasCumprod(cfg);
  // numpy.linspace(0, len, steps, endpoint=False), floored
  const timesteps = arange(0, steps, 1).map((i) => origin[Math.floor(i * (origin.length / steps))]);
  const sigmas = timesteps.map((t) => sigmaOfAlpha(ac[t]));
  return { timesteps, sigmas: [...sigmas, 0], initNoiseSigma: vpInitNoiseSigma(sigmas[0]) };
}

/** Samplers that live in VP space start from unit noise: x_σ = x_vp·sqrt(1 + σ₀²). */
function vpInitNoiseSigma(sigma0: number): number {
  return Math.sqrt(1 + sigma0 * sigma0);
}

/**
 * img2img as diffusers' img2img pipelines do it: skip the first N − min(⌊N·strength⌋, N) steps (times the
 * scheduler order) and noise the source latent to the first step kept: x = x0 + noiseSigma·noise.
 */
export function img2imgPlan(plan: SamplingPlan, strength: number, order = 1): { plan: SamplingPlan; noiseSigma: number } {
  if (!(strength >= 0 && strength <= 1)) throw new RangeError(`Strength must be between 0 and 1; got ${strength}.`);
  const n = plan.timesteps.length;
  const start = Math.max(n - Math.min(Math.floor(n * strength), n), 0) * order;
  if (start >= n) {
    throw new RangeError(`Strength ${strength} leaves none of the ${n} steps to run; raise the strength or the steps.`);
  }
  const cut: SamplingPlan = {
    timesteps: plan.timesteps.slice(start),
    sigmas: plan.sigmas.slice(start),
    initNoiseSigma: plan.initNoiseSigma,
  };
  if (plan.targetSigmas) cut.targetSigmas = plan.targetSigmas.slice(start);
  return { plan: cut, noiseSigma: cut.sigmas[0] };
}
