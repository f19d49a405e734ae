import type { Latent, Sampler } from "./types";

/**
 * One UniPC bh2 update in σ space (Zhao et al. 2023, predicting x0), from the data prediction m0 at σ_from:
 * x ← (σ_to/σ_from)·x − φ·m0 − φ·Σ ρ_k·D_k, D_k = (m_k − m0)/r_k, with h = log(σ_from/σ_to) and
 * φ = e^(−h) − 1, which is also bh2's B(h). Up to two earlier predictions m_k, each with weight w_k = ρ_k/r_k.
 */
function uniUpdate(x: Latent, from: number, to: number, m0: Latent, terms: [number, Latent][] = []): Latent {
  const ratio = to / from;
  const phi = Math.expm1(-Math.log(from / to));
  const [w1, a] = terms[0] ?? [0, m0];
  const [w2, b] = terms[1] ?? [0, m0];
  const out = x.slice();
  for (let j = 0; j < out.length; j++) {
    out[j] = ratio * x[j] - phi * (m0[j] + w1 * (a[j] - m0[j]) + w2 * (b[j] - m0[j]));
  }
  return out;
}

/** Corrector weights of order 2: solve [[1, 1], [r, 1]]·ρ = b, b_k = k!·φ_(k+1)(−h)/B(h) (UniC with bh2). */
function correctorWeights(h: number, r: number): [number, number] {
  const hh = -h;
  const bh = Math.expm1(hh);
  const phi2 = bh / hh - 1;
  const b1 = phi2 / bh;
  const b2 = ((phi2 / hh - 0.5) * 2) / bh;
  const rho0 = (b1 - b2) / (1 - r);
  return [rho0, b1 - rho0];
}

/**
 * UniPC (order 2, bh2, predict x0) as diffusers' UniPCMultistepScheduler: each step first corrects the latent
 * it stands on with the new data prediction (UniC), then predicts the next one (UniP); the last step, to σ = 0,
 * returns the data prediction. Orders drop to 1 on the first and last steps.
 */
export const unipc: Sampler = async (denoise, x, plan, { onStep, signal }) => {
  const s = plan.sigmas;
  const n = plan.timesteps.length;
  const lambda = (i: number) => -Math.log(s[i]);
  let cur = x;
  let last = x;
  let prevOrder = 0;
  let prev: Latent | undefined; // data prediction at σ_(i−1)
  let prev2: Latent | undefined; // and at σ_(i−2)
  for (let i = 0; i < n; i++) {
    signal?.throwIfAborted();
    const input = cur;
    const denoised = await denoise(input, { sigma: s[i], timestep: plan.timesteps[i] });
    if (prev) {
      // corrector from σ_(i−1), whose prediction is its m0; the new one enters as D1_t = m_t − m0
      if (prevOrder === 2 && prev2) {
        const h = lambda(i) - lambda(i - 1);
        const r = (lambda(i - 2) - lambda(i - 1)) / h;
        const [rho0, rho1] = correctorWeights(h, r);
        cur = uniUpdate(last, s[i - 1], s[i], prev, [
          [rho0 / r, prev2],
          [rho1, denoised],
        ]);
      } else {
        cur = uniUpdate(last, s[i - 1], s[i], prev, [[0.5, denoised]]);
      }
    }
    const order = Math.min(2, n - i, i + 1);
    last = cur;
    if (s[i + 1] === 0) {
      cur = denoised;
    } else if (order === 2 && prev) {
      const r = (lambda(i - 1) - lambda(i)) / (lambda(i + 1) - lambda(i));
      cur = uniUpdate(cur, s[i], s[i + 1], denoised, [[0.5 / r, prev]]);
    } else {
      cur = uniUpdate(cur, s[i], s[i + 1], denoised);
    }
    prev2 = prev;
    prev = denoised;
    prevOrder = order;
    await onStep?.({ i, sigma: s[i], x: input, denoised });
  }
  return { x: cur, space: "sigma", sigma: s[n] };
};
