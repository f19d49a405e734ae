import { toD } from "./denoiser";
import { f32 } from "./numerics";
import type { Sampler } from "./types";

/**
 * σ_up and σ_down of an ancestral step from σ to σ_next, σ_down² + σ_up² = σ_next² (k-diffusion's
 * get_ancestral_step, η = 1), rounded at each operation to float32 as diffusers computes them.
 */
export function ancestralStep(sigma: number, next: number): { up: number; down: number } {
  const s2 = f32(sigma * sigma);
  const n2 = f32(next * next);
  const up = f32(Math.sqrt(f32(f32(n2 * f32(s2 - n2)) / s2)));
  return { up, down: f32(Math.sqrt(f32(n2 - f32(up * up)))) };
}

/** Euler ancestral: an Euler step down to σ_down, then fresh noise up to σ_next; diffusers' EulerAncestralDiscreteScheduler. */
export const eulerAncestral: Sampler = async (denoise, x, plan, { noise, onStep, signal }) => {
  if (!noise) throw new TypeError("Euler a needs options.noise: it adds fresh Gaussian noise on every step.");
  let cur = x;
  for (let i = 0; i < plan.timesteps.length; i++) {
    signal?.throwIfAborted();
    const sigma = plan.sigmas[i];
    const denoised = await denoise(cur, { sigma, timestep: plan.timesteps[i] });
    const { up, down } = ancestralStep(sigma, plan.sigmas[i + 1]);
    const dt = f32(down - sigma);
    const z = noise(); // drawn on every step, the last (σ_up = 0) included, to keep diffusers' order of draws
    const d = toD(cur, denoised, sigma);
    const next = cur.slice();
    for (let j = 0; j < next.length; j++) next[j] = cur[j] + d[j] * dt + z[j] * up;
    await onStep?.({ i, sigma, x: cur, denoised });
    cur = next;
  }
  return { x: cur, space: "sigma", sigma: plan.sigmas[plan.timesteps.length] };
};
