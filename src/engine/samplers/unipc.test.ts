import { describe, it } from "vitest";
import { CONFIG_NAMES, configFor, expectPlan, fixture, forRun, itRunsAsDiffusers } from "./referenceHarness";
import { multistepPlan } from "./schedule";
import { unipc } from "./unipc";

const fx = fixture("unipc");

describe("UniPC (UniPCMultistepScheduler, bh2, order 2)", () => {
  it.each(CONFIG_NAMES)("plans match diffusers for 1–50 steps (%s)", (name) => {
    for (let n = 1; n <= 50; n++) expectPlan(multistepPlan(configFor(name), n), fx.plans.unipc[name][n], `${name} N=${n}`);
  });

  itRunsAsDiffusers(fx, (run, cfg) => forRun(run, multistepPlan(cfg, run.steps), unipc));
});
