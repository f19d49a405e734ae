import { describe, expect, it } from "vitest";
import { ddimSampler } from "./ddim";
import { CONFIG_NAMES, configFor, expectPlan, expectRun, fixture, runRows } from "./referenceHarness";
import { ddimPlan, img2imgPlan } from "./schedule";

const fx = fixture("ddim");

describe("DDIM (DDIMScheduler, set_alpha_to_one=false)", () => {
  it.each(CONFIG_NAMES)("plans match diffusers for 1–50 steps, landing levels included (%s)", (name) => {
    for (let n = 1; n <= 50; n++) expectPlan(ddimPlan(configFor(name), n), fx.plans.ddim[name][n], `${name} N=${n}`);
  });

  it("lands on t − ⌊T/N⌋, not on the next timestep, with trailing spacing at N = 3", () => {
    const plan = ddimPlan(configFor("turbo"), 3);
    expect(plan.timesteps).toEqual([999, 666, 332]);
    expect(plan.targetSigmas?.[1]).not.toBe(plan.sigmas[2]);
  });

  it.each(runRows(fx))("%s %s %i steps, strength %s: same latents as diffusers", async (sampler, _c, steps, _k, run) => {
    const ddim = ddimSampler(sampler === "ddim_eta" ? 0.5 : 0);
    await expectRun(run, (cfg) => {
      const plan = ddimPlan(cfg, steps);
      if (run.strength === undefined) return { plan, sampler: ddim };
      const cut = img2imgPlan(plan, run.strength);
      return { plan: cut.plan, sampler: ddim, sourceNoiseSigma: cut.noiseSigma };
    });
  });
});
