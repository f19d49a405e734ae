import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { lcmPlan } from "./engine/samplers/schedule";
import { ManifestError, parseManifest } from "./manifest";
import { CATALOG } from "./models/catalog";
import { checkSchedulerConfig, SchedulerConfigError, schedulerFromDiffusers } from "./schedulerConfig";

const fixture = (path: string) =>
  JSON.parse(readFileSync(new URL(`./models/__fixtures__/${path}`, import.meta.url), "utf8")) as Record<string, unknown>;

/** Two real configs: SimianLuo/LCM_Dreamshaper_v7's (as the twin fixture holds it) and runwayml's SD 1.5 (PNDM). */
const LCM = fixture("twins/aislamov/lcm-dreamshaper-v7-onnx/scheduler/scheduler_config.json");
const PNDM = fixture("sd15-onnx/scheduler/scheduler_config.json");
/** An Euler config shaped like stabilityai/sd-turbo's: diffusers' Euler keys, plus PNDM keys inherited from SD 1.x configs. */
const SD_TURBO = {
  _class_name: "EulerDiscreteScheduler",
  _diffusers_version: "0.24.0.dev0",
  beta_end: 0.012,
  beta_schedule: "scaled_linear",
  beta_start: 0.00085,
  clip_sample: false,
  interpolation_type: "linear",
  num_train_timesteps: 1000,
  prediction_type: "epsilon",
  sample_max_value: 1.0,
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
  timestep_spacing: "trailing",
  timestep_type: "discrete",
  trained_betas: null,
  use_karras_sigmas: false,
};
const DDIM = { ...PNDM, _class_name: "DDIMScheduler" };
const DPM = { ...PNDM, _class_name: "DPMSolverMultistepScheduler", solver_order: 2, algorithm_type: "dpmsolver++" };

const refusal = (cfg: Record<string, unknown>): string => {
  try {
    schedulerFromDiffusers(cfg);
  } catch (err) {
    expect(err).toBeInstanceOf(SchedulerConfigError);
    return (err as SchedulerConfigError).message;
  }
  throw new Error("the config was accepted");
};

describe("schedulerFromDiffusers", () => {
  it("reads the real configs of the models we ship or test against", () => {
    // the LCM twin's config gives the scheduler the catalog ships for it
    const lcmEntry = CATALOG.find((e) => e.kind === "hub" && e.manifest.defaults.sampler === "LCM");
    expect(schedulerFromDiffusers(LCM)).toEqual({ sampler: "LCM", scheduler: lcmEntry?.kind === "hub" && lcmEntry.manifest.scheduler });
    expect(schedulerFromDiffusers(SD_TURBO)).toMatchObject({ sampler: "Euler", scheduler: { timestep_spacing: "trailing" } });
    // PNDM is not one of ours: Euler runs, and PNDM's own options do not apply
    expect(schedulerFromDiffusers(PNDM)).toMatchObject({ sampler: "Euler", scheduler: { timestep_spacing: "leading" } });
  });

  it("maps use_karras_sigmas to the Karras samplers", () => {
    expect(schedulerFromDiffusers({ ...SD_TURBO, use_karras_sigmas: true }).sampler).toBe("Euler Karras");
    expect(schedulerFromDiffusers({ ...DPM, use_karras_sigmas: true }).sampler).toBe("DPM++ 2M Karras");
    expect(schedulerFromDiffusers({ ...PNDM, _class_name: "LMSDiscreteScheduler", use_karras_sigmas: true }).sampler).toBe("Euler Karras");
  });

  it("honours LCM's original_inference_steps: diffusers' LCMScheduler picks 999, 749, 499, 249 from 100", () => {
    const { scheduler } = schedulerFromDiffusers({ ...LCM, original_inference_steps: 100 });
    expect(scheduler.original_inference_steps).toBe(100);
    expect(lcmPlan(scheduler, 4).timesteps).toEqual([999, 749, 499, 249]);
    expect(lcmPlan({ ...scheduler, original_inference_steps: 25 }, 4).timesteps).toEqual([999, 759, 519, 279]);
  });

  it("takes each scheduler's own diffusers defaults for absent keys", () => {
    const bare = { _class_name: "EulerDiscreteScheduler", beta_schedule: "scaled_linear" };
    expect(schedulerFromDiffusers(bare).scheduler).toMatchObject({ timestep_spacing: "linspace", steps_offset: 0, beta_start: 0.0001 });
    expect(schedulerFromDiffusers({ ...bare, _class_name: "DDIMScheduler", clip_sample: false }).scheduler).toMatchObject({
      timestep_spacing: "leading",
      set_alpha_to_one: true,
    });
  });

  it("refuses, by key and value, the settings that would change the numbers", () => {
    expect(refusal({ ...DPM, solver_order: 3, algorithm_type: "sde-dpmsolver++" })).toMatch(
      /"solver_order": 3 \(only 2 is implemented\), "algorithm_type": "sde-dpmsolver\+\+" \(only "dpmsolver\+\+" is implemented\)/,
    );
    expect(refusal({ ...PNDM, _class_name: "UniPCMultistepScheduler", use_karras_sigmas: true })).toMatch(/"use_karras_sigmas": true/);
    expect(refusal({ ...PNDM, rescale_betas_zero_snr: true })).toMatch(/"rescale_betas_zero_snr": true/);
    expect(refusal({ ...DDIM, thresholding: true })).toMatch(/"thresholding": true/);
    expect(refusal({ ...SD_TURBO, timestep_type: "continuous", final_sigmas_type: "sigma_min" })).toMatch(
      /"timestep_type": "continuous" .*"final_sigmas_type": "sigma_min"/,
    );
    expect(refusal({ ...LCM, timestep_scaling: 5 })).toMatch(/"timestep_scaling": 5/);
    expect(refusal({ ...SD_TURBO, timestep_spacing: "karras" })).toMatch(/timestep_spacing "karras"/);
    expect(refusal({ ...SD_TURBO, prediction_type: "sample" })).toMatch(/predicts "sample"/);
  });

  it("refuses diffusers' defaults too when they are not what we run: DDIM clips x0 unless clip_sample is false", () => {
    const unclipped: Record<string, unknown> = { ...DDIM };
    delete unclipped.clip_sample;
    expect(refusal(unclipped)).toMatch(/"clip_sample": true \(diffusers' default\)/);
  });

  it("accepts options it does not know only while they are off", () => {
    expect(schedulerFromDiffusers({ ...SD_TURBO, use_new_sigmas: false, new_thing: null }).sampler).toBe("Euler");
    expect(refusal({ ...SD_TURBO, use_new_sigmas: true })).toMatch(/"use_new_sigmas": true \(an option this app does not know\)/);
    // an option of another scheduler does nothing here, as in diffusers
    expect(schedulerFromDiffusers({ ...SD_TURBO, solver_order: 3 }).sampler).toBe("Euler");
  });
});

describe("checkSchedulerConfig (a manifest's scheduler)", () => {
  const own = { ...schedulerFromDiffusers(SD_TURBO).scheduler };

  it("accepts every catalog model's scheduler", () => {
    for (const entry of CATALOG) {
      if (entry.kind === "hub") expect(() => checkSchedulerConfig({ ...entry.manifest.scheduler })).not.toThrow();
    }
  });

  it("accepts notes and switched-off keys, and refuses what it would not honour", () => {
    const notes = { _class_name: "EulerDiscreteScheduler", clip_sample: false, thresholding: false };
    expect(() => checkSchedulerConfig({ ...own, ...notes })).not.toThrow();
    expect(() => checkSchedulerConfig({ ...own, use_karras_sigmas: true })).toThrow(/"use_karras_sigmas": true \(pick a Karras sampler/);
    expect(() => checkSchedulerConfig({ ...own, solver_order: 3 })).toThrow(/"solver_order": 3 \(not implemented\)/);
    expect(() => checkSchedulerConfig({ ...own, timestep_spacing: "karras" })).toThrow(/"timestep_spacing": "karras" \(leading, trailing/);
    expect(() => checkSchedulerConfig({ ...own, beta_end: undefined })).toThrow(/"beta_end"/);
  });

  it("fails the manifest with the setting named", () => {
    const hub = CATALOG.find((e) => e.kind === "hub");
    if (hub?.kind !== "hub") throw new Error("the catalog has no hub model");
    const manifest = { ...hub.manifest, scheduler: { ...hub.manifest.scheduler, thresholding: true } };
    expect(() => parseManifest(manifest)).toThrow(ManifestError);
    expect(() => parseManifest(manifest)).toThrow(/its scheduler sets "thresholding": true/);
  });
});
