/** A latent, flat (NCHW order). Float64Array is accepted so the samplers can be checked in float64. */
export type Latent = Float32Array | Float64Array;

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

export interface StepInfo {
  i: number;
  sigma: number;
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

export type Sampler = (denoise: Denoiser, x: Latent, plan: SamplingPlan, options: SamplerOptions) => Promise<Latent>;
