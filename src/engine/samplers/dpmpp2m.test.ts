import { describe, it } from "vitest";
import { dpmpp2m } from "./dpmpp2m";
import { CONFIG_NAMES, configFor, expectPlan, fixture, forRun, itRunsAsDiffusers } from "./referenceHarness";
import { multistepPlan } from "./schedule";

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

  itRunsAsDiffusers(fx, (run, cfg) => forRun(run, multistepPlan(cfg, run.steps, run.sampler === "dpmpp_2m_karras"), dpmpp2m));
});
