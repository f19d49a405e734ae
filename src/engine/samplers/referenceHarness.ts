/** Test support: the diffusers reference fixtures (tools/reference/samplers_reference.py) and the stand-in model. */
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import type { SchedulerConfig } from "../../schedulerConfig";
import { f32 } from "./numerics";
import { img2imgPlan } from "./schedule";
import { denoisedFromModelOutput, modelInputScale } from "./denoiser";
import type { Denoiser, Latent, Sampler, SamplingPlan } from "./types";

export type ConfigName = "turbo" | "sd15" | "sd21v";
export const CONFIG_NAMES: ConfigName[] = ["turbo", "sd15", "sd21v"];

export interface Common {
  noise: number[][];
  source: number[];
  configs: Record<ConfigName, SchedulerConfig>;
  /** The float32 betas of the torch that made the fixtures. */
  betas: number[];
}

/** One set_timesteps result: sigmas (σ-space schedulers) or ᾱ at the timesteps (DDIM, LCM). */
export interface PlanRef {
  timesteps: number[];
  sigmas?: number[];
  alphasCumprod?: number[];
  alphasCumprodPrev?: number[];
  initNoiseSigma: number;
  /** "vp": the scheduler's latent is x_vp = x_σ / sqrt(1 + σ²) and starts as unit noise. */
  space?: "vp";
}

export interface RunRef {
  sampler: string;
  config: ConfigName;
  steps: number;
  strength?: number;
  draws: number;
  timesteps: number[];
  modelInputs: Record<string, number[]>;
  final: number[];
}

export interface SamplerFixture {
  plans: Record<string, Record<ConfigName, Record<string, PlanRef>>>;
  runs: RunRef[];
}

function load<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${name}.json`, import.meta.url), "utf8")) as T;
}

export const common: Common = load("common");
export const fixture = (name: string): SamplerFixture => load(name);

/**
 * A fixture config with the fixture torch's own betas: torch.linspace's float32 rounding differs between torch
 * versions (schedule.test.ts bounds that), so plans and trajectories are checked from the same betas.
 */
export const configFor = (name: ConfigName): SchedulerConfig => ({ ...common.configs[name], trained_betas: common.betas });

/**
 * The agreement rule: |a − b| ≤ tolerance·max(|b|, floor) for every element. Plans use floor 1e-3; latents use
 * floor max(1e-3, 0.1·max|b|), so an element that passes near zero is judged against the latent's own scale.
 */
export const TOLERANCE = 1e-6;

export function maxError(actual: ArrayLike<number>, expected: ArrayLike<number>, latent = false): number {
  expect(actual.length).toBe(expected.length);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  const floor = latent ? Math.max(1e-3, 0.1 * scale) : 1e-3;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(Math.abs(expected[i]), floor));
  }
  return worst;
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tolerance = TOLERANCE, latent = false): void {
  const err = maxError(actual, expected, latent);
  expect(err, `${what}: max relative error ${err.toExponential(2)}`).toBeLessThanOrEqual(tolerance);
}

const alphaBar = (s: number) => 1 / (1 + s * s);

/** A plan against diffusers' set_timesteps for the same config and step count. */
export function expectPlan(plan: SamplingPlan, ref: PlanRef, what: string): void {
  expectClose(plan.timesteps, ref.timesteps, `${what} timesteps`);
  if (ref.sigmas) expectClose(plan.sigmas, ref.sigmas, `${what} sigmas`);
  if (ref.alphasCumprod) expectClose(plan.sigmas.slice(0, -1).map(alphaBar), ref.alphasCumprod, `${what} ᾱ`);
  if (ref.alphasCumprodPrev) expectClose((plan.targetSigmas ?? []).map(alphaBar), ref.alphasCumprodPrev, `${what} ᾱ_prev`);
  // a VP scheduler's unit initial noise is sqrt(1 + σ₀²) in σ space
  const init = ref.space === "vp" ? ref.initNoiseSigma * Math.sqrt(1 + plan.sigmas[0] ** 2) : ref.initNoiseSigma;
  expectClose([plan.initNoiseSigma], [init], `${what} initNoiseSigma`);
}

/**
 * How the stand-in denoiser turns the model output into x0. "pipeline": the engine's float64 wrapper
 * (modelInputScale, denoisedFromModelOutput). "euler" / "vp": rounded like diffusers' Euler schedulers or its VP
 * schedulers (DDIM, LCM) do, in float32 scalars: with the wrapper's rounding taken out, a sampler must then match
 * diffusers to float64 precision, which shows that the remaining 1e-7-level differences come from that rounding.
 */
export type Rounding = "pipeline" | "euler" | "vp";

const standInModel = (input: Float64Array, timestep: number) => input.map((v) => 0.5 * v * Math.cos(timestep / 300) + 0.1 * Math.sin(v));

/** The stand-in U-Net ε(x, t) = 0.5·x·cos(t/300) + 0.1·sin(x) behind a σ-space denoiser, recording what it sees. */
export function standInDenoiser(predictionType: SchedulerConfig["prediction_type"], rounding: Rounding = "pipeline") {
  const calls: { timestep: number; input: Float64Array }[] = [];
  const denoise: Denoiser = async (x, { sigma, timestep }) => {
    if (rounding === "pipeline") {
      const c = modelInputScale(sigma);
      const input = Float64Array.from(x, (v) => v * c);
      calls.push({ timestep, input });
      return denoisedFromModelOutput(x, standInModel(input, timestep), sigma, predictionType);
    }
    if (rounding === "euler") {
      const d = f32(Math.sqrt(f32(f32(sigma * sigma) + 1))); // scale_model_input's (σ² + 1)^0.5
      const input = Float64Array.from(x, (v) => v / d);
      calls.push({ timestep, input });
      const out = standInModel(input, timestep);
      if (predictionType === "epsilon") return x.map((v, j) => v - sigma * out[j]);
      return x.map((v, j) => out[j] * f32(-sigma / d) + v / f32(f32(sigma * sigma) + 1));
    }
    const input = Float64Array.from(x, (v) => v / Math.sqrt(1 + sigma * sigma));
    calls.push({ timestep, input });
    const out = standInModel(input, timestep);
    const a = f32(1 / (1 + sigma * sigma));
    const sa = f32(Math.sqrt(a));
    const sb = f32(Math.sqrt(f32(1 - a)));
    return predictionType === "epsilon" ? input.map((v, j) => (v - sb * out[j]) / sa) : input.map((v, j) => sa * v - sb * out[j]);
  };
  return { denoise, calls };
}

export type Prepared = { plan: SamplingPlan; sampler: Sampler; sourceNoiseSigma?: number };

/** Runs one recorded generation (txt2img, or img2img when the run has a strength) and checks it. */
export async function expectRun(
  run: RunRef,
  prepare: (cfg: SchedulerConfig) => Prepared,
  { rounding = "pipeline", tolerance = TOLERANCE }: { rounding?: Rounding; tolerance?: number } = {},
): Promise<void> {
  const cfg = configFor(run.config);
  const { plan, sampler, sourceNoiseSigma } = prepare(cfg);
  let draws = 0;
  const noise = (): Latent => Float64Array.from(common.noise[draws++]);
  const first = noise();
  const x =
    sourceNoiseSigma === undefined
      ? first.map((v) => v * plan.initNoiseSigma)
      : Float64Array.from(common.source, (v, j) => v + sourceNoiseSigma * first[j]);
  const { denoise, calls } = standInDenoiser(cfg.prediction_type, rounding);
  const what = `${run.sampler} ${run.config} N=${run.steps}${run.strength ? ` strength ${run.strength}` : ""}`;
  const final = await sampler(denoise, x, plan, { noise });
  // diffusers' scheduler ends on its own latent: the VP one for DDIM and LCM, the σ-space one for the others
  expect(final.space, `${what}: latent space`).toBe(/^(ddim|lcm)/.test(run.sampler) ? "vp" : "sigma");
  expect(draws, `${what}: noise draws`).toBe(run.draws);
  expectClose(
    calls.map((c) => c.timestep),
    run.timesteps,
    `${what} model timesteps`,
  );
  for (const [i, input] of Object.entries(run.modelInputs)) {
    expectClose(calls[Number(i)].input, input, `${what} model input ${i}`, tolerance, true);
  }
  expectClose(final.x, run.final, `${what} final latent`, tolerance, true);
}

/** The runs of a fixture as it.each rows: [sampler, config, steps, strength, run]. */
export const runRows = (fx: SamplerFixture) => fx.runs.map((r) => [r.sampler, r.config, r.steps, r.strength ?? 1, r] as const);

/** A full plan as diffusers' img2img pipelines cut it for the run's strength; a run without one is txt2img. */
export function forRun(run: RunRef, plan: SamplingPlan, sampler: Sampler): Prepared {
  if (run.strength === undefined) return { plan, sampler };
  const cut = img2imgPlan(plan, run.strength);
  return { plan: cut.plan, sampler, sourceNoiseSigma: cut.noiseSigma };
}

/**
 * A fixture's recorded runs as tests: each against diffusers with the engine's denoiser; with `exact`, again with
 * the denoiser rounding like diffusers' (for the runs `only` keeps), to float64 precision.
 */
export function itRunsAsDiffusers(
  fx: SamplerFixture,
  prepare: (run: RunRef, cfg: SchedulerConfig) => Prepared,
  exact?: { rounding: Exclude<Rounding, "pipeline">; only?: (run: RunRef) => boolean },
): void {
  it.each(runRows(fx))("%s %s %i steps, strength %s: same latents and noise draws as diffusers", async (_s, _c, _n, _k, run) => {
    await expectRun(run, (cfg) => prepare(run, cfg));
  });
  if (!exact) return;
  const { rounding, only = () => true } = exact;
  it.each(runRows(fx).filter((row) => only(row[4])))(
    "%s %s %i steps, strength %s: equal to float64 precision when the denoiser rounds like diffusers",
    async (_s, _c, _n, _k, run) => {
      await expectRun(run, (cfg) => prepare(run, cfg), { rounding, tolerance: 1e-12 });
    },
  );
}
