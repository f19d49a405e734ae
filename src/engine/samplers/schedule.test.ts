import { describe, expect, it } from "vitest";
import { arange, linspaceF32, roundHalfEven } from "./numerics";
import { CONFIG_NAMES, common, expectPlan, fixture, maxError } from "./referenceHarness";
import { alphasCumprod, ddimPlan, eulerKarrasPlan, eulerPlan, img2imgPlan, lcmPlan, multistepPlan, trainingSigmas } from "./schedule";

describe("numpy and torch numerics", () => {
  it("rounds halves to even like numpy", () => {
    expect([0.5, 1.5, 2.5, 3.5, 2.4999, 978.5].map(roundHalfEven)).toEqual([0, 2, 2, 4, 2, 978]);
  });

  it("steps arange by (start + step) − start like numpy", () => {
    const values = arange(1000, 0, -1000 / 48);
    expect(values).toHaveLength(48);
    expect(values[3]).toBe(1000 + 3 * (1000 - 1000 / 48 - 1000)); // 937.5 − ε: rounds to 937, so t = 936
    expect(roundHalfEven(1000 - 3 * (1000 / 48))).toBe(938); // start + i·step would give t = 937
  });

  it("fills torch.linspace(float32) from both ends", () => {
    const v = linspaceF32(0, 1, 5);
    expect(Array.from(v)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(linspaceF32(Math.sqrt(0.00085), Math.sqrt(0.012), 1000)[999]).toBe(Math.fround(Math.sqrt(0.012)));
  });
});

describe("training schedule", () => {
  const cfg = common.configs.turbo;

  it("trailing spacing at N = 48 follows numpy's arange (…, 957, 936, 916, …)", () => {
    expect(eulerPlan(cfg, 48).timesteps.slice(0, 5)).toEqual([999, 978, 957, 936, 916]);
  });

  it("betas from the config stay within 3e-7 (σ) of the fixture torch's", () => {
    // torch ≥ 2.1 fills float32 linspace with a scalar loop (what linspaceF32 does); torch 1.13, which made the
    // fixtures, used a vectorised loop that rounds about one beta in four the other way
    const ours = trainingSigmas(cfg);
    const theirs = trainingSigmas({ ...cfg, trained_betas: common.betas });
    expect(maxError(ours, theirs)).toBeLessThan(3e-7);
    expect(alphasCumprod(cfg)[999]).toBeCloseTo(0.0046600960195064545, 8);
  });

  it.each(CONFIG_NAMES)("plans from the config's own betas are within 1e-6 of diffusers too (%s)", (name) => {
    const config = common.configs[name];
    const euler = fixture("euler").plans;
    const dpm = fixture("dpmpp2m").plans;
    const ddim = fixture("ddim").plans;
    const lcm = fixture("lcm").plans;
    for (let n = 1; n <= 50; n++) {
      expectPlan(eulerPlan(config, n), euler.euler[name][n], `euler ${name} N=${n}`);
      expectPlan(eulerKarrasPlan(config, n), euler.euler_karras[name][n], `euler karras ${name} N=${n}`);
      expectPlan(multistepPlan(config, n), dpm.dpmpp_2m[name][n], `dpm ${name} N=${n}`);
      expectPlan(multistepPlan(config, n, true), dpm.dpmpp_2m_karras[name][n], `dpm karras ${name} N=${n}`);
      expectPlan(ddimPlan(config, n), ddim.ddim[name][n], `ddim ${name} N=${n}`);
      expectPlan(lcmPlan(config, n), lcm.lcm[name][n], `lcm ${name} N=${n}`);
    }
  });

  it("rejects step counts diffusers would refuse", () => {
    expect(() => eulerPlan(cfg, 0)).toThrow(/whole number from 1 to 1000/);
    expect(() => ddimPlan(cfg, 2.5)).toThrow(/whole number/);
  });
});

describe("img2img", () => {
  const plan = eulerPlan(common.configs.sd15, 20);

  it("skips N − ⌊N·strength⌋ steps and noises the source to the first step kept", () => {
    const cut = img2imgPlan(plan, 0.5);
    expect(cut.plan.timesteps).toEqual(plan.timesteps.slice(10));
    expect(cut.plan.sigmas).toEqual(plan.sigmas.slice(10));
    expect(cut.noiseSigma).toBe(plan.sigmas[10]);
    expect(img2imgPlan(plan, 1).plan.timesteps).toEqual(plan.timesteps);
    expect(img2imgPlan(plan, 0.33).plan.timesteps).toHaveLength(6); // ⌊20·0.33⌋ = 6
  });

  it("keeps DDIM's landing levels in step with its timesteps", () => {
    const ddim = ddimPlan(common.configs.turbo, 7);
    const cut = img2imgPlan(ddim, 0.6);
    expect(cut.plan.targetSigmas).toEqual(ddim.targetSigmas?.slice(3));
  });

  it("says how to fix a strength that leaves no step", () => {
    expect(() => img2imgPlan(plan, 0.04)).toThrow(/raise the strength or the steps/);
    expect(() => img2imgPlan(plan, 1.5)).toThrow(/between 0 and 1/);
  });
});
