import { f32 } from "./numerics";
import type { Sampler } from "./types";
import { alphaBar, fromVp, toVp } from "./vp";

/**
 * LCM's boundary-condition scalings (Luo et al. 2023), in float32 as diffusers computes them:
 * c_skip = σ_d² / (τ² + σ_d²), c_out = τ / √(τ² + σ_d²), τ = timestep_scaling·t, σ_d = 0.5.
 */
export function lcmScalings(timestep: number, timestepScaling = 10): { skip: number; out: number } {
  const tau = f32(timestep * timestepScaling);
  const tau2 = f32(f32(tau * tau) + 0.25);
  return { skip: f32(0.25 / tau2), out: f32(tau / f32(Math.sqrt(tau2))) };
}

/**
 * Latent Consistency Model sampling as diffusers' LCMScheduler, on the VP latent: the consistency output
 * c_out·x0 + c_skip·x_vp, re-noised to the next level with fresh noise, √ᾱ'·x0' + √(1 − ᾱ')·z; the last step
 * returns the consistency output itself.
 */
export const lcm: Sampler = async (denoise, x, plan, { noise, onStep, signal }) => {
  if (!noise) throw new TypeError("LCM needs options.noise: it re-noises the latent between steps.");
  const n = plan.timesteps.length;
  let vp = toVp(x, plan.sigmas[0]);
  for (let i = 0; i < n; i++) {
    signal?.throwIfAborted();
    const sigma = plan.sigmas[i];
    const xs = fromVp(vp, sigma);
    const denoised = await denoise(xs, { sigma, timestep: plan.timesteps[i] });
    const { skip, out } = lcmScalings(plan.timesteps[i]);
    const last = i === n - 1;
    const z = last ? undefined : noise();
    const a = last ? 1 : alphaBar(plan.sigmas[i + 1]);
    const keep = f32(Math.sqrt(a));
    const add = f32(Math.sqrt(f32(1 - a)));
    const next = vp.slice();
    for (let j = 0; j < next.length; j++) {
      const d = out * denoised[j] + skip * vp[j];
      next[j] = z ? keep * d + add * z[j] : d;
    }
    vp = next;
    await onStep?.({ i, sigma, x: xs, denoised });
  }
  return { x: vp, space: "vp", sigma: 0 }; // the last step returns the consistency output itself
};
