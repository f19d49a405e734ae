/** A latent, flat (NCHW order). Float64Array is accepted so the samplers can be checked in float64. */
export type Latent = Float32Array | Float64Array;

/**
 * Which space a latent is in. "sigma": k-diffusion's x = x0 + σ·ε, what a Denoiser takes and every sampler starts
 * from. "vp": diffusers' variance-preserving sample √ᾱ·x0 + √(1 − ᾱ)·ε, ᾱ = 1 / (1 + σ²), that is x_σ / sqrt(1 + σ²);
 * DDIM and LCM step there. At σ = 0 both are the clean latent.
 */
export type LatentSpace = "sigma" | "vp";

/** Where the sampler is: the noise level in k-diffusion's σ space and the model timestep it maps to. */
export interface NoiseLevel {
  sigma: number;
  timestep: number;
}

/**
 * The model as k-diffusion sees it: x in σ space (x = x0 + σ·ε) → predicted clean latent x0.
 * Classifier-free guidance and the prediction type live inside it, never in a sampler.
 */
export type Denoiser = (x: Latent, level: NoiseLevel) => Promise<Latent>;

/** One step, as k-diffusion's callback reports it: the σ-space latent the denoiser was given at sigma, and its answer. */
export interface StepInfo {
  i: number;
  sigma: number;
  x: Latent;
  denoised: Latent;
}

export interface SamplerOptions {
  /**
   * Fresh unit Gaussian noise shaped like x, from the job's seeded generator, drawn in diffusers' order
   * (Euler a: every step; DDIM with η > 0: every step; LCM: every step but the last).
   */
  noise?: () => Latent;
  onStep?: (info: StepInfo) => void | Promise<void>;
  signal?: AbortSignal;
}

/**
 * Noise levels to visit, as a scheduler's set_timesteps gives them: timesteps[i] is what the model is told,
 * sigmas[i] its noise level in σ space; sigmas has one more entry, the level the last step lands on.
 */
export interface SamplingPlan {
  timesteps: number[];
  sigmas: number[];
  /** DDIM only: the σ step i lands on when that is not sigmas[i + 1] (diffusers steps to t − ⌊T/N⌋). */
  targetSigmas?: number[];
  /**
   * Scale of the initial noise in σ space: diffusers' init_noise_sigma for the Euler family, sqrt(1 + σ₀²) for
   * the schedulers that start from unit noise in VP space (DDIM, DPM++, UniPC, LCM).
   */
  initNoiseSigma: number;
}

/** What a sampler ends on: the latent, the space it is in, and its noise level (0 unless DDIM stops at ᾱ₀). */
export interface SamplerResult {
  x: Latent;
  space: LatentSpace;
  sigma: number;
}

/** Runs a plan from x, a σ-space latent at plan.sigmas[0]. */
export type Sampler = (denoise: Denoiser, x: Latent, plan: SamplingPlan, options: SamplerOptions) => Promise<SamplerResult>;
