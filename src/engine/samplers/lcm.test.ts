import { describe, expect, it } from "vitest";
import { lcm } from "./lcm";
import { CONFIG_NAMES, configFor, expectPlan, fixture, itRunsAsDiffusers, type Prepared, type RunRef } from "./referenceHarness";
import type { SchedulerConfig } from "../../schedulerConfig";
import { lcmPlan } from "./schedule";

const fx = fixture("lcm");

function prepare(run: RunRef, cfg: SchedulerConfig): Prepared {
  const plan = lcmPlan(cfg, run.steps, run.strength ?? 1);
  return { plan, sampler: lcm, sourceNoiseSigma: run.strength === undefined ? undefined : plan.sigmas[0] };
}

describe("LCM (LCMScheduler, 50 original steps, timestep scaling 10)", () => {
  it("takes 4 steps at 999, 759, 499, 259", () => {
    expect(lcmPlan(configFor("turbo"), 4).timesteps).toEqual([999, 759, 499, 259]);
  });

  it.each(CONFIG_NAMES)("plans match diffusers for 1–50 steps, and 1–25 at strength 0.5 (%s)", (name) => {
    const cfg = configFor(name);
    for (let n = 1; n <= 50; n++) expectPlan(lcmPlan(cfg, n), fx.plans.lcm[name][n], `${name} N=${n}`);
    for (let n = 1; n <= 25; n++) expectPlan(lcmPlan(cfg, n, 0.5), fx.plans["lcm_strength_0.5"][name][n], `${name} N=${n} s=0.5`);
  });

  it("refuses more steps than the strength leaves", () => {
    expect(() => lcmPlan(configFor("turbo"), 26, 0.5)).toThrow(/1 to 25 steps/);
    expect(() => lcmPlan(configFor("turbo"), 51)).toThrow(/1 to 50 steps/);
  });

  // LCM img2img shortens its own schedule (set_timesteps with strength) instead of cutting a full plan
  itRunsAsDiffusers(fx, prepare, { rounding: "vp" });
});
