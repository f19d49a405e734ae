import { describe, expect, it } from "vitest";
import { ddimSampler } from "./ddim";
import { CONFIG_NAMES, configFor, expectPlan, fixture, forRun, itRunsAsDiffusers } from "./referenceHarness";
import { ddimPlan } from "./schedule";

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

  itRunsAsDiffusers(fx, (run, cfg) => forRun(run, ddimPlan(cfg, run.steps), ddimSampler(run.sampler === "ddim_eta" ? 0.5 : 0)));
});
