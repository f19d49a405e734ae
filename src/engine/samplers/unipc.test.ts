import { describe, it } from "vitest";
import { CONFIG_NAMES, configFor, expectPlan, expectRun, fixture, runRows } from "./referenceHarness";
import { img2imgPlan, multistepPlan } from "./schedule";
import { unipc } from "./unipc";

const fx = fixture("unipc");

describe("UniPC (UniPCMultistepScheduler, bh2, order 2)", () => {
  it.each(CONFIG_NAMES)("plans match diffusers for 1–50 steps (%s)", (name) => {
    for (let n = 1; n <= 50; n++) expectPlan(multistepPlan(configFor(name), n), fx.plans.unipc[name][n], `${name} N=${n}`);
  });

  it.each(runRows(fx))("%s %s %i steps, strength %s: same latents as diffusers", async (_s, _c, steps, _k, run) => {
    await expectRun(run, (cfg) => {
      const plan = multistepPlan(cfg, steps);
      if (run.strength === undefined) return { plan, sampler: unipc };
      const cut = img2imgPlan(plan, run.strength);
      return { plan: cut.plan, sampler: unipc, sourceNoiseSigma: cut.noiseSigma };
    });
  });
});
