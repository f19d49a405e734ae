/**
 * A model's scheduler config: the numbers that define its noise levels, with diffusers' key names
 * (scheduler/scheduler_config.json). It lives beside the manifest, which holds one; the engine reads it.
 *
 * A diffusers config may set more than this app reproduces (Karras sigmas on UniPC, a third solver order,
 * thresholding, zero-SNR rescaling…). Those settings change the numbers a sampler draws, so they are refused
 * by name and value when a model is described, never dropped in silence.
 */
import { AppError } from "./errors";
import type { SamplerName } from "./params";

export type PredictionType = "epsilon" | "v_prediction";

export interface SchedulerConfig {
  num_train_timesteps: number;
  beta_start: number;
  beta_end: number;
  beta_schedule: "scaled_linear" | "linear";
  timestep_spacing: "leading" | "trailing" | "linspace";
  steps_offset: number;
  prediction_type: PredictionType;
  /** Explicit betas instead of beta_schedule (diffusers' trained_betas), stored as float32 like diffusers does. */
  trained_betas?: number[] | null;
  /** DDIM's last step goes to ᾱ = 1 when true, else to ᾱ₀ (false in Stable Diffusion's configs, our default). */
  set_alpha_to_one?: boolean;
  /** LCM: the length of the distillation schedule its steps are picked from (diffusers' default 50). */
  original_inference_steps?: number;
}

/** A scheduler setting this app does not implement; `detail` names each key with its value. */
export class SchedulerConfigError extends AppError {
  override name = "SchedulerConfigError";
  /** What the config does that we cannot, as a clause ("uses beta_schedule …") for the caller's own message. */
  get detail(): string {
    return String(this.data.detail);
  }
  static of(detail: string): SchedulerConfigError {
    return new SchedulerConfigError(`The scheduler config ${detail}.`, { detail });
  }
}

type Json = Record<string, unknown>;

const SPACINGS = ["leading", "trailing", "linspace"] as const;
const PREDICTIONS = ["epsilon", "v_prediction"] as const;
const BETA_SCHEDULES = ["scaled_linear", "linear"] as const;
const OWN_KEYS = new Set<string>([
  "num_train_timesteps",
  "beta_start",
  "beta_end",
  "beta_schedule",
  "timestep_spacing",
  "steps_offset",
  "prediction_type",
  "trained_betas",
  "set_alpha_to_one",
  "original_inference_steps",
]);

const show = (value: unknown): string => JSON.stringify(value) ?? String(value);
const isOff = (value: unknown): boolean => value === false || value === null || (Array.isArray(value) && value.length === 0);
const same = (a: unknown, b: unknown): boolean => show(a) === show(b);

/** The diffusers schedulers we reproduce, and the sampler each one is here. */
const SAMPLERS = {
  EulerDiscreteScheduler: "Euler",
  EulerAncestralDiscreteScheduler: "Euler a",
  DDIMScheduler: "DDIM",
  DPMSolverMultistepScheduler: "DPM++ 2M",
  UniPCMultistepScheduler: "UniPC",
  LCMScheduler: "LCM",
} as const satisfies Record<string, SamplerName>;
type OurScheduler = keyof typeof SAMPLERS;

/** Options the multistep solvers share, at the values our DPM++ 2M and UniPC reproduce (diffusers' defaults). */
const MULTISTEP_FIXED = {
  solver_order: { only: 2 },
  thresholding: { only: false },
  use_exponential_sigmas: { only: false },
  use_beta_sigmas: { only: false },
  use_flow_sigmas: { only: false },
  final_sigmas_type: { only: "zero" },
  use_dynamic_shifting: { only: false },
};

/**
 * Per scheduler, the keys of its diffusers __init__ that our sampler reproduces at one value only; `absent` is
 * diffusers' default when it differs from that value (an absent key takes the default). Keys we honour (the
 * SchedulerConfig fields, use_karras_sigmas) are not listed; keys a class does not read do nothing there.
 */
const FIXED: Record<OurScheduler, Record<string, { only: unknown; absent?: unknown }>> = {
  EulerDiscreteScheduler: {
    interpolation_type: { only: "linear" },
    use_exponential_sigmas: { only: false },
    use_beta_sigmas: { only: false },
    sigma_min: { only: null },
    sigma_max: { only: null },
    timestep_type: { only: "discrete" },
    final_sigmas_type: { only: "zero" },
  },
  EulerAncestralDiscreteScheduler: {},
  DDIMScheduler: { clip_sample: { only: false, absent: true }, thresholding: { only: false } },
  DPMSolverMultistepScheduler: {
    ...MULTISTEP_FIXED,
    algorithm_type: { only: "dpmsolver++" },
    solver_type: { only: "midpoint" },
    use_lu_lambdas: { only: false },
    variance_type: { only: null },
  },
  UniPCMultistepScheduler: {
    ...MULTISTEP_FIXED,
    solver_type: { only: "bh2" },
    predict_x0: { only: true },
    lower_order_final: { only: true },
    disable_corrector: { only: [] },
    solver_p: { only: null },
    use_karras_sigmas: { only: false },
    sigma_min: { only: null },
    sigma_max: { only: null },
    shift_terminal: { only: null },
  },
  LCMScheduler: { clip_sample: { only: false }, thresholding: { only: false }, timestep_scaling: { only: 10 } },
};

/** diffusers' timestep_spacing and set_alpha_to_one defaults, which differ between schedulers. */
const SPACING_DEFAULT: Record<OurScheduler, SchedulerConfig["timestep_spacing"]> = {
  EulerDiscreteScheduler: "linspace",
  EulerAncestralDiscreteScheduler: "linspace",
  DDIMScheduler: "leading",
  DPMSolverMultistepScheduler: "linspace",
  UniPCMultistepScheduler: "linspace",
  LCMScheduler: "leading",
};
const ALPHA_TO_ONE_DEFAULT: Partial<Record<OurScheduler, boolean>> = { DDIMScheduler: true, LCMScheduler: true };

/**
 * Keys some diffusers scheduler reads that do nothing for the ones we run: other schedulers' options (PNDM's
 * skip_prk_steps), ranges only thresholding or clipping use, and final-step switches that a zero final σ
 * overrides. Any other key we do not know is accepted only while it is switched off.
 */
const KNOWN_KEYS = new Set<string>([
  ...Object.values(FIXED).flatMap((keys) => Object.keys(keys)),
  "clip_sample_range",
  "dynamic_thresholding_ratio",
  "sample_max_value",
  "skip_prk_steps",
  "euler_at_final",
  "lambda_min_clipped",
  "flow_shift",
  "time_shift_type",
]);

/** The settings of a diffusers config that sampling with `scheduler`'s sampler would not reproduce, as `"key": value`. */
function unsupportedSettings(cfg: Json, scheduler: OurScheduler | undefined): string[] {
  const out: string[] = [];
  if (cfg.rescale_betas_zero_snr !== undefined && cfg.rescale_betas_zero_snr !== false) {
    out.push(`"rescale_betas_zero_snr": ${show(cfg.rescale_betas_zero_snr)} (zero terminal SNR is not implemented)`);
  }
  // a scheduler we do not reproduce (PNDM, LMS, Heun…) is replaced by Euler: its own options do not apply
  if (!scheduler) return out;
  const fixed = FIXED[scheduler];
  for (const [key, { only, absent = only }] of Object.entries(fixed)) {
    const value = key in cfg ? cfg[key] : absent;
    const given = key in cfg ? "" : " (diffusers' default)";
    if (!same(value, only)) out.push(`"${key}": ${show(value)}${given} (only ${show(only)} is implemented)`);
  }
  for (const [key, value] of Object.entries(cfg)) {
    const known = key.startsWith("_") || OWN_KEYS.has(key) || key === "rescale_betas_zero_snr" || KNOWN_KEYS.has(key);
    if (known || isOff(value)) continue;
    out.push(`"${key}": ${show(value)} (an option this app does not know)`);
  }
  return out;
}

const refuse = (problems: string[]): never => {
  throw SchedulerConfigError.of(`sets ${problems.join(", ")}; sampling would not draw the numbers the model expects`);
};

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const oneOf = <T extends string>(choices: readonly T[], v: unknown): v is T => typeof v === "string" && (choices as readonly string[]).includes(v);

/**
 * diffusers' scheduler_config.json → our SchedulerConfig (diffusers' defaults for absent keys) and the sampler it
 * names; settings we do not reproduce throw a SchedulerConfigError that lists them.
 */
export function schedulerFromDiffusers(cfg: Json): { scheduler: SchedulerConfig; sampler: SamplerName } {
  const className = typeof cfg._class_name === "string" ? cfg._class_name : "";
  const ours = className in SAMPLERS ? (className as OurScheduler) : undefined;
  const betaSchedule = cfg.beta_schedule ?? "linear";
  const prediction = cfg.prediction_type ?? "epsilon";
  const spacing = cfg.timestep_spacing ?? (ours ? SPACING_DEFAULT[ours] : "leading");
  const trained = Array.isArray(cfg.trained_betas) && cfg.trained_betas.every((b) => typeof b === "number") ? cfg.trained_betas : undefined;
  if (!trained && !oneOf(BETA_SCHEDULES, betaSchedule)) {
    throw SchedulerConfigError.of(`uses beta_schedule ${show(betaSchedule)}; this app implements scaled_linear and linear`);
  }
  if (!oneOf(PREDICTIONS, prediction)) {
    throw SchedulerConfigError.of(`predicts ${show(prediction)}; this app runs epsilon and v_prediction models`);
  }
  if (!oneOf(SPACINGS, spacing)) {
    throw SchedulerConfigError.of(`uses timestep_spacing ${show(spacing)}; this app implements ${SPACINGS.join(", ")}`);
  }
  const problems = unsupportedSettings(cfg, ours);
  if (problems.length > 0) refuse(problems);
  const alphaToOne = typeof cfg.set_alpha_to_one === "boolean" ? cfg.set_alpha_to_one : ours && ALPHA_TO_ONE_DEFAULT[ours];
  const originalSteps = ours === "LCMScheduler" ? num(cfg.original_inference_steps) : undefined;
  const scheduler: SchedulerConfig = {
    num_train_timesteps: num(cfg.num_train_timesteps) ?? 1000,
    beta_start: num(cfg.beta_start) ?? 0.0001,
    beta_end: num(cfg.beta_end) ?? 0.02,
    beta_schedule: betaSchedule === "scaled_linear" ? "scaled_linear" : "linear",
    timestep_spacing: spacing,
    steps_offset: num(cfg.steps_offset) ?? 0,
    prediction_type: prediction,
    ...(trained ? { trained_betas: trained } : {}),
    ...(alphaToOne !== undefined ? { set_alpha_to_one: alphaToOne } : {}),
    ...(originalSteps !== undefined && originalSteps !== 50 ? { original_inference_steps: originalSteps } : {}),
  };
  // PNDM, LMS and other schedulers the app lacks: Euler samples the same model well
  const base: SamplerName = ours ? SAMPLERS[ours] : "Euler";
  const karras = cfg.use_karras_sigmas === true && (base === "Euler" || base === "DPM++ 2M");
  return { scheduler, sampler: karras ? (base === "Euler" ? "Euler Karras" : "DPM++ 2M Karras") : base };
}

/**
 * Checks a manifest's scheduler: our keys with values we implement, `_`-prefixed notes, and other keys only while
 * switched off (false, null, []); the sampler is the manifest's defaults.sampler, so Karras sigmas are chosen there.
 * Throws a SchedulerConfigError naming what it cannot honour.
 */
export function checkSchedulerConfig(cfg: Json): void {
  const bad = (key: string, choices: string) => `sets "${key}": ${show(cfg[key])} (${choices})`;
  for (const key of ["num_train_timesteps", "beta_start", "beta_end", "steps_offset"]) {
    if (num(cfg[key]) === undefined) throw SchedulerConfigError.of(bad(key, "a number is needed"));
  }
  if (!oneOf(BETA_SCHEDULES, cfg.beta_schedule)) throw SchedulerConfigError.of(bad("beta_schedule", BETA_SCHEDULES.join(" or ")));
  if (!oneOf(SPACINGS, cfg.timestep_spacing)) throw SchedulerConfigError.of(bad("timestep_spacing", SPACINGS.join(", ")));
  if (!oneOf(PREDICTIONS, cfg.prediction_type)) throw SchedulerConfigError.of(bad("prediction_type", PREDICTIONS.join(" or ")));
  const problems = Object.entries(cfg)
    .filter(([key, value]) => !key.startsWith("_") && !OWN_KEYS.has(key) && !isOff(value))
    .map(([key, value]) =>
      key === "use_karras_sigmas"
        ? `"use_karras_sigmas": ${show(value)} (pick a Karras sampler in defaults.sampler instead)`
        : `"${key}": ${show(value)} (not implemented)`,
    );
  if (problems.length > 0) refuse(problems);
}
