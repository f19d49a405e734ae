import { describe, expect, it } from "vitest";
import { SAMPLER_NAMES, a1111Sampler, isSamplerName, prepareSampling, vpLatent, type Latent } from "./index";
import { common } from "./referenceHarness";
import { eulerPlan, lcmPlan } from "./schedule";

const cfg = common.configs.sd15;

describe("sampler registry", () => {
  it("prepares every listed sampler, with A1111's labels", () => {
    const labels = SAMPLER_NAMES.map((name) => {
      const { plan, sampler } = prepareSampling(name, cfg, 4);
      const a1111 = a1111Sampler(name);
      expect(plan.timesteps).toHaveLength(4);
      expect(plan.sigmas).toHaveLength(5);
      expect(typeof sampler).toBe("function");
      return a1111.scheduleType ? `${a1111.sampler}, Schedule type: ${a1111.scheduleType}` : a1111.sampler;
    });
    expect(labels).toEqual([
      "Euler",
      "Euler a",
      "DDIM",
      "DPM++ 2M",
      "DPM++ 2M, Schedule type: Karras",
      "Euler, Schedule type: Karras",
      "LCM",
      "UniPC",
    ]);
  });

  it("names the choices when the sampler is unknown", () => {
    expect(isSamplerName("Heun")).toBe(false);
    expect(() => prepareSampling("Heun", cfg, 4)).toThrow(/pick one of: Euler, Euler a, DDIM/);
  });

  it("cuts the plan for img2img and gives the σ to noise the source to", () => {
    const { plan, sourceNoiseSigma } = prepareSampling("Euler", cfg, 20, { strength: 0.5 });
    const full = eulerPlan(cfg, 20);
    expect(plan.timesteps).toEqual(full.timesteps.slice(10));
    expect(sourceNoiseSigma).toBe(full.sigmas[10]);
  });

  it("shortens LCM's own schedule for img2img instead", () => {
    const { plan, sourceNoiseSigma } = prepareSampling("LCM", cfg, 4, { strength: 0.5 });
    expect(plan.timesteps).toEqual([499, 379, 259, 139]);
    expect(plan).toEqual(lcmPlan(cfg, 4, 0.5));
    expect(sourceNoiseSigma).toBe(plan.sigmas[0]);
  });

  it("runs a prepared sampler end to end on float32 latents", async () => {
    const { plan, sampler } = prepareSampling("DPM++ 2M Karras", cfg, 6);
    const x = new Float32Array(8).fill(plan.initNoiseSigma);
    const seen: number[] = [];
    const out = await sampler(async (latent) => latent.map((v) => v * 0.5), x, plan, {
      onStep: ({ i }) => void seen.push(i),
    });
    expect(out.x).toBeInstanceOf(Float32Array);
    expect(out.space).toBe("sigma");
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it.each(SAMPLER_NAMES)("%s reports each step's x, the σ-space latent its denoiser saw, and says where it ends", async (name) => {
    const { plan, sampler } = prepareSampling(name, cfg, 3);
    const seen: Latent[] = [];
    const reported: Latent[] = [];
    const result = await sampler(async (latent) => (seen.push(latent), latent.map((v) => v * 0.5)), Float64Array.of(1, -2), plan, {
      noise: () => Float64Array.of(0.1, 0.2),
      onStep: ({ x }) => void reported.push(x),
    });
    expect(reported).toEqual(seen);
    const ddim = name === "DDIM";
    expect(result.space).toBe(ddim || name === "LCM" ? "vp" : "sigma");
    expect(result.sigma).toBe(ddim ? plan.sigmas[3] : 0);
  });

  it("hands the VAE the VP latent: a σ-space latent at σ is scaled by 1/sqrt(1 + σ²), a VP one or σ = 0 passes as is", () => {
    const x = Float64Array.of(2, -4);
    const scaled = vpLatent({ x, space: "sigma", sigma: Math.sqrt(3) });
    [1, -2].forEach((v, j) => expect(scaled[j]).toBeCloseTo(v, 12));
    expect(vpLatent({ x, space: "vp", sigma: 0.5 })).toBe(x);
    expect(vpLatent({ x, space: "sigma", sigma: 0 })).toBe(x);
  });

  it("stops when the job is cancelled", async () => {
    const { plan, sampler } = prepareSampling("Euler", cfg, 4);
    const abort = new AbortController();
    const run = sampler(async (latent) => (abort.abort(), latent), new Float32Array(4), plan, { signal: abort.signal });
    await expect(run).rejects.toThrow();
  });
});
