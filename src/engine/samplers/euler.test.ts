import { describe, it } from "vitest";
import { euler } from "./euler";
import { CONFIG_NAMES, configFor, expectPlan, expectRun, fixture, type Prepared, type RunRef, runRows } from "./referenceHarness";
import { eulerKarrasPlan, eulerPlan, img2imgPlan } from "./schedule";
import type { SchedulerConfig } from "../../schedulerConfig";

const fx = fixture("euler");

function prepare(run: RunRef, cfg: SchedulerConfig): Prepared {
  const plan = (run.sampler === "euler_karras" ? eulerKarrasPlan : eulerPlan)(cfg, run.steps);
  if (run.strength === undefined) return { plan, sampler: euler };
  const cut = img2imgPlan(plan, run.strength);
  return { plan: cut.plan, sampler: euler, sourceNoiseSigma: cut.noiseSigma };
}

describe("Euler and Euler Karras (EulerDiscreteScheduler)", () => {
  it.each(CONFIG_NAMES)("plans match diffusers for 1–50 steps (%s)", (name) => {
    for (let n = 1; n <= 50; n++) expectPlan(eulerPlan(configFor(name), n), fx.plans.euler[name][n], `${name} N=${n}`);
  });

  it.each(CONFIG_NAMES)("Karras plans match diffusers for 1–50 steps (%s)", (name) => {
    for (let n = 1; n <= 50; n++) expectPlan(eulerKarrasPlan(configFor(name), n), fx.plans.euler_karras[name][n], `${name} N=${n}`);
  });

  it.each(runRows(fx))("%s %s %i steps, strength %s: same latents as diffusers", async (_s, _c, _n, _k, run) => {
    await expectRun(run, (cfg) => prepare(run, cfg));
  });

  it.each(runRows(fx).filter(([s]) => s === "euler"))(
    "%s %s %i steps, strength %s: equal to float64 precision when the denoiser rounds like diffusers",
    async (_s, _c, _n, _k, run) => {
      await expectRun(run, (cfg) => prepare(run, cfg), { rounding: "euler", tolerance: 1e-12 });
    },
  );
});
