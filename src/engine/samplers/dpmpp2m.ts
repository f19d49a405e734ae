import type { Latent, Sampler } from "./types";

/**
 * DPM-Solver++(2M) (Lu et al. 2022, Algorithm 2) in σ space, with λ = −log σ and h = λ_next − λ:
 * x ← (σ_next/σ)·x + (1 − e^(−h))·D, where D is the data prediction, extrapolated with the previous one,
 * D = (1 + 1/2r)·x0 − (1/2r)·x0_prev, r = h_prev/h, from the second step on. diffusers' DPMSolverMultistepScheduler
 * (dpmsolver++, order 2, midpoint, lower_order_final, final σ 0: the last step returns the data prediction).
 */
export const dpmpp2m: Sampler = async (denoise, x, plan, { onStep, signal }) => {
  let cur = x;
  let old: Latent | undefined;
  let hPrev = 0;
  for (let i = 0; i < plan.timesteps.length; i++) {
    signal?.throwIfAborted();
    const sigma = plan.sigmas[i];
    const to = plan.sigmas[i + 1];
    const denoised = await denoise(cur, { sigma, timestep: plan.timesteps[i] });
    const next = cur.slice();
    if (to === 0) {
      next.set(denoised);
    } else {
      const h = Math.log(sigma / to);
      const ratio = to / sigma;
      const phi = -Math.expm1(-h);
      const k = old ? h / (2 * hPrev) : 0; // 1/(2r), r = h_prev / h
      for (let j = 0; j < next.length; j++) {
        const d = old ? (1 + k) * denoised[j] - k * old[j] : denoised[j];
        next[j] = ratio * cur[j] + phi * d;
      }
      hPrev = h;
    }
    old = denoised;
    await onStep?.({ i, sigma, x: cur, denoised });
    cur = next;
  }
  return { x: cur, space: "sigma", sigma: plan.sigmas[plan.timesteps.length] };
};
