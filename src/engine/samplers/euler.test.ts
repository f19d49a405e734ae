import { describe, it } from "vitest";
import { euler } from "./euler";
import { CONFIG_NAMES, configFor, expectPlan, fixture, forRun, itRunsAsDiffusers } from "./referenceHarness";
import { eulerKarrasPlan, eulerPlan } from "./schedule";

const fx = fixture("euler");

describe("Euler and Euler Karras (EulerDiscreteScheduler)", () => {
  it.each(CONFIG_NAMES)("plans match diffusers for 1–50 steps (%s)", (name) => {
    for (let n = 1; n <= 50; n++) expectPlan(eulerPlan(configFor(name), n), fx.plans.euler[name][n], `${name} N=${n}`);
  });

  it.each(CONFIG_NAMES)("Karras plans match diffusers for 1–50 steps (%s)", (name) => {
    for (let n = 1; n <= 50; n++) expectPlan(eulerKarrasPlan(configFor(name), n), fx.plans.euler_karras[name][n], `${name} N=${n}`);
  });

  const plan = (sampler: string) => (sampler === "euler_karras" ? eulerKarrasPlan : eulerPlan);
  itRunsAsDiffusers(fx, (run, cfg) => forRun(run, plan(run.sampler)(cfg, run.steps), euler), {
    rounding: "euler",
    only: (run) => run.sampler === "euler",
  });
});
