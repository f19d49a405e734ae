import { f32 } from "./numerics";
import type { Latent, SamplerResult } from "./types";

/**
 * DDIM and LCM step in diffusers' variance-preserving space, x_vp = √ᾱ·x_σ with ᾱ = 1 / (1 + σ²), and they
 * work on diffusers' float32 ᾱ table: √ᾱ·x0 + √(1 − ᾱ)·ε there is x0 + σ·ε here.
 */

/** The float32 ᾱ a plan σ stands for (plan σ are exact float64 images of diffusers' float32 ᾱ, so this is exact). */
export const alphaBar = (sigma: number): number => f32(1 / (1 + sigma * sigma));

export function scaled(x: Latent, k: number): Latent {
  const out = x.slice();
  for (let j = 0; j < out.length; j++) out[j] = x[j] * k;
  return out;
}

/** σ-space latent → VP latent at level σ. */
export const toVp = (x: Latent, sigma: number): Latent => scaled(x, 1 / Math.sqrt(1 + sigma * sigma));

/** VP latent → σ-space latent at level σ (what the denoiser takes). */
export const fromVp = (vp: Latent, sigma: number): Latent => scaled(vp, Math.sqrt(1 + sigma * sigma));

/** A sampler's result as diffusers hands it to the VAE: the VP latent at its level (the clean latent at σ = 0). */
export function vpLatent({ x, space, sigma }: SamplerResult): Latent {
  return space === "vp" || sigma === 0 ? x : toVp(x, sigma);
}
