/**
 * The model as the samplers see it (k-diffusion's denoiser wrapper): a U-Net that predicts noise (or v) on the
 * VP-space sample becomes a function from a σ-space latent x = x0 + σ·ε to its clean estimate x0. Input scaling,
 * classifier-free guidance, the prediction type and inpainting's known latents live here, never in a sampler.
 */
import type { PredictionType } from "../../schedulerConfig";
import type { Denoiser, Latent } from "./types";

/** k-diffusion's to_d: the probability-flow ODE's slope dx/dσ = (x − x0) / σ (Karras et al. 2022, eq. 3 with σ(t) = t). */
export function toD(x: Latent, denoised: Latent, sigma: number): Latent {
  const d = x.slice();
  for (let j = 0; j < d.length; j++) d[j] = (x[j] - denoised[j]) / sigma;
  return d;
}

/** c_in of the σ-space denoiser: the U-Net sees x / sqrt(σ² + 1), the VP-space latent (Karras et al. 2022, Table 1). */
export function modelInputScale(sigma: number): number {
  return 1 / Math.sqrt(sigma * sigma + 1);
}

/**
 * The clean-latent estimate x0 from the U-Net's output at σ-space latent x.
 * epsilon: x0 = x − σ·ε.  v_prediction (Salimans & Ho 2022): x0 = x / (σ² + 1) − v·σ / sqrt(σ² + 1).
 */
export function denoisedFromModelOutput(x: Latent, modelOut: Latent, sigma: number, predictionType: PredictionType): Latent {
  const out = x.slice();
  if (predictionType === "epsilon") {
    for (let j = 0; j < out.length; j++) out[j] = x[j] - sigma * modelOut[j];
  } else {
    const skip = 1 / (sigma * sigma + 1);
    const scale = sigma / Math.sqrt(sigma * sigma + 1);
    for (let j = 0; j < out.length; j++) out[j] = x[j] * skip - modelOut[j] * scale;
  }
  return out;
}

/** Classifier-free guidance (Ho & Salimans 2022): out = uncond + g·(cond − uncond), on a batch laid out [uncond, cond]. */
export function guide(batchOut: Float32Array, g: number): Float32Array {
  const n = batchOut.length / 2;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = batchOut[i] + g * (batchOut[n + i] - batchOut[i]);
  return out;
}

/** Inpainting's kept area in latent space. */
export interface KnownLatent {
  /** One value per position of a latent channel (h·w), shared by all channels: 1 = generate, 0 = keep, between = blend. */
  mask: Float32Array;
  /** The clean latent of the source image. */
  latent: Latent;
}

/**
 * Latent blending: outside the mask the clean estimate is the source's, x0 ← m·x0 + (1 − m)·known, which keeps
 * every step on the source noised to the current level whatever the sampler. In place.
 */
export function blendKnown(denoised: Latent, { mask, latent }: KnownLatent): void {
  for (let i = 0; i < denoised.length; i++) {
    const m = mask[i % mask.length];
    denoised[i] = m * denoised[i] + (1 - m) * latent[i];
  }
}

/** One U-Net call: `batch` VP-space latents side by side at one timestep → its raw output (ε or v), same layout. */
export type ModelCall = (input: Float32Array, batch: number, timestep: number) => Promise<Float32Array>;

export interface DenoiserOptions {
  predictionType: PredictionType;
  /** Classifier-free guidance scale: the model then runs a batch of two, [uncond, cond]. Omit to run one. */
  guidance?: number;
  known?: KnownLatent;
}

/** The σ-space denoiser over a U-Net: scale the input (c_in), run, guide, turn the prediction into x0, blend inpainting. */
export function createDenoiser(model: ModelCall, { predictionType, guidance, known }: DenoiserOptions): Denoiser {
  const batch = guidance === undefined ? 1 : 2;
  return async (x, { sigma, timestep }) => {
    const cIn = modelInputScale(sigma);
    const input = new Float32Array(x.length * batch);
    for (let b = 0; b < batch; b++) for (let i = 0; i < x.length; i++) input[b * x.length + i] = x[i] * cIn;
    const out = await model(input, batch, timestep);
    const denoised = denoisedFromModelOutput(x, guidance === undefined ? out : guide(out, guidance), sigma, predictionType);
    if (known) blendKnown(denoised, known);
    return denoised;
  };
}
