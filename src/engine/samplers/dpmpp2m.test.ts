import { describe, it } from "vitest";
import { dpmpp2m } from "./dpmpp2m";
import { CONFIG_NAMES, configFor, expectPlan, expectRun, fixture, runRows } from "./referenceHarness";
import { img2imgPlan, multistepPlan } from "./schedule";

const fx = fixture("dpmpp2m");

describe("DPM++ 2M and DPM++ 2M Karras (DPMSolverMultistepScheduler, dpmsolver++, order 2, midpoint)", () => {
  it.each(CONFIG_NAMES)("plans match diffusers for 1–50 steps (%s)", (name) => {
    for (let n = 1; n <= 50; n++) expectPlan(multistepPlan(configFor(name), n), fx.plans.dpmpp_2m[name][n], `${name} N=${n}`);
  });

  it.each(CONFIG_NAMES)("Karras plans match diffusers for 1–50 steps (%s)", (name) => {
    for (let n = 1; n <= 50; n++) {
      expectPlan(multistepPlan(configFor(name), n, true), fx.plans.dpmpp_2m_karras[name][n], `${name} N=${n}`);
    }
  });

  it.each(runRows(fx))("%s %s %i steps, strength %s: same latents as diffusers", async (sampler, _c, steps, _k, run) => {
    await expectRun(run, (cfg) => {
      const plan = multistepPlan(cfg, steps, sampler === "dpmpp_2m_karras");
      if (run.strength === undefined) return { plan, sampler: dpmpp2m };
      const cut = img2imgPlan(plan, run.strength);
      return { plan: cut.plan, sampler: dpmpp2m, sourceNoiseSigma: cut.noiseSigma };
    });
  });
});
