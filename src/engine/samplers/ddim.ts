import { toD } from "./denoiser";
import { f32 } from "./numerics";
import type { Sampler } from "./types";
import { alphaBar, fromVp, toVp } from "./vp";

/**
 * DDIM (Song et al. 2021, eq. 12) as diffusers' DDIMScheduler: x_prev = √ᾱ_prev·x0 + √(1 − ᾱ_prev − s²)·ε + s·z,
 * s = η·√((1 − ᾱ_prev)/(1 − ᾱ)·(1 − ᾱ/ᾱ_prev)), the scalars in float32 as diffusers computes them. It runs on
 * the VP latent because a step may land between plan levels (plan.targetSigmas), and returns the VP latent at
 * the last landing level (ᾱ₀ unless set_alpha_to_one): what diffusers hands to the VAE.
 */
export function ddimSampler(eta = 0): Sampler {
  return async (denoise, x, plan, { noise, onStep, signal }) => {
    if (eta > 0 && !noise) throw new TypeError("DDIM with η > 0 needs options.noise: it adds fresh noise on every step.");
    const targets = plan.targetSigmas ?? plan.sigmas.slice(1);
    let vp = toVp(x, plan.sigmas[0]);
    for (let i = 0; i < plan.timesteps.length; i++) {
      signal?.throwIfAborted();
      const sigma = plan.sigmas[i];
      const xs = fromVp(vp, sigma);
      const denoised = await denoise(xs, { sigma, timestep: plan.timesteps[i] });
      const a = alphaBar(sigma);
      const aPrev = targets[i] === 0 ? 1 : alphaBar(targets[i]);
      const variance = f32(f32(f32(1 - aPrev) / f32(1 - a)) * f32(1 - f32(a / aPrev)));
      const s = f32(eta * f32(Math.sqrt(variance)));
      const dir = f32(Math.sqrt(f32(f32(1 - aPrev) - f32(s * s))));
      const keep = f32(Math.sqrt(aPrev));
      const z = eta > 0 && noise ? noise() : undefined;
      const eps = toD(xs, denoised, sigma); // in σ space the slope is the noise: x = x0 + σ·ε
      const next = vp.slice();
      for (let j = 0; j < next.length; j++) next[j] = keep * denoised[j] + dir * eps[j] + (z ? s * z[j] : 0);
      vp = next;
      await onStep?.({ i, sigma, x: xs, denoised });
    }
    return { x: vp, space: "vp", sigma: targets[plan.timesteps.length - 1] };
  };
}

/** Deterministic DDIM (η = 0). */
export const ddim: Sampler = ddimSampler(0);
