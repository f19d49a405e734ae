import { toD } from "./denoiser";
import { f32 } from "./numerics";
import type { Sampler } from "./types";

/** Euler method over σ (Karras et al. 2022, Algorithm 2 with no churn); diffusers' EulerDiscreteScheduler. */
export const euler: Sampler = async (denoise, x, plan, { onStep, signal }) => {
  let cur = x;
  for (let i = 0; i < plan.timesteps.length; i++) {
    signal?.throwIfAborted();
    const sigma = plan.sigmas[i];
    const denoised = await denoise(cur, { sigma, timestep: plan.timesteps[i] });
    const dt = f32(plan.sigmas[i + 1] - sigma); // a float32 difference in diffusers
    const d = toD(cur, denoised, sigma);
    const next = cur.slice();
    for (let j = 0; j < next.length; j++) next[j] = cur[j] + d[j] * dt;
    await onStep?.({ i, sigma, x: cur, denoised });
    cur = next;
  }
  return { x: cur, space: "sigma", sigma: plan.sigmas[plan.timesteps.length] };
};
