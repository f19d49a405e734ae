import { describe, expect, it } from "vitest";
import { ancestralStep, eulerAncestral } from "./eulerAncestral";
import { configFor, expectRun, fixture, type Prepared, type RunRef, runRows } from "./referenceHarness";
import type { SchedulerConfig } from "../../schedulerConfig";
import { eulerPlan, img2imgPlan } from "./schedule";

const fx = fixture("eulerAncestral");

function prepare(run: RunRef, cfg: SchedulerConfig): Prepared {
  const plan = eulerPlan(cfg, run.steps);
  if (run.strength === undefined) return { plan, sampler: eulerAncestral };
  const cut = img2imgPlan(plan, run.strength);
  return { plan: cut.plan, sampler: eulerAncestral, sourceNoiseSigma: cut.noiseSigma };
}

describe("Euler a (EulerAncestralDiscreteScheduler)", () => {
  it("splits σ_next² into σ_down² + σ_up² (float32 scalars)", () => {
    const { up, down } = ancestralStep(3, 2);
    expect(down * down + up * up).toBeCloseTo(4, 6);
    expect(ancestralStep(3, 0)).toEqual({ up: 0, down: 0 });
  });

  it.each(runRows(fx))("%s %s %i steps, strength %s: same latents and noise draws as diffusers", async (_s, _c, _n, _k, run) => {
    await expectRun(run, (cfg) => prepare(run, cfg));
  });

  it.each(runRows(fx))(
    "%s %s %i steps, strength %s: equal to float64 precision when the denoiser rounds like diffusers",
    async (_s, _c, _n, _k, run) => {
      await expectRun(run, (cfg) => prepare(run, cfg), { rounding: "euler", tolerance: 1e-12 });
    },
  );

  it("asks for a noise source", async () => {
    const plan = eulerPlan(configFor("turbo"), 2);
    await expect(eulerAncestral(async (x) => x, new Float64Array(4), plan, {})).rejects.toThrow(/options.noise/);
  });
});
