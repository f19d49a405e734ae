import { describe, expect, it } from "vitest";
import { ancestralStep, eulerAncestral } from "./eulerAncestral";
import { configFor, fixture, forRun, itRunsAsDiffusers } from "./referenceHarness";
import { eulerPlan } from "./schedule";

const fx = fixture("eulerAncestral");

describe("Euler a (EulerAncestralDiscreteScheduler)", () => {
  it("splits σ_next² into σ_down² + σ_up² (float32 scalars)", () => {
    const { up, down } = ancestralStep(3, 2);
    expect(down * down + up * up).toBeCloseTo(4, 6);
    expect(ancestralStep(3, 0)).toEqual({ up: 0, down: 0 });
  });

  itRunsAsDiffusers(fx, (run, cfg) => forRun(run, eulerPlan(cfg, run.steps), eulerAncestral), { rounding: "euler" });

  it("asks for a noise source", async () => {
    const plan = eulerPlan(configFor("turbo"), 2);
    await expect(eulerAncestral(async (x) => x, new Float64Array(4), plan, {})).rejects.toThrow(/options.noise/);
  });
});
