/**
 * A model's scheduler config: the numbers that define its noise levels, with diffusers' key names
 * (scheduler/scheduler_config.json). It lives beside the manifest, which holds one; the engine reads it.
 */

export type PredictionType = "epsilon" | "v_prediction";

export interface SchedulerConfig {
  num_train_timesteps: number;
  beta_start: number;
  beta_end: number;
  beta_schedule: "scaled_linear" | "linear";
  timestep_spacing: "leading" | "trailing" | "linspace";
  steps_offset: number;
  prediction_type: PredictionType;
  /** Explicit betas instead of beta_schedule (diffusers' trained_betas), stored as float32 like diffusers does. */
  trained_betas?: number[] | null;
  /** DDIM's last step goes to ᾱ = 1 when true, else to ᾱ₀ (false in Stable Diffusion's configs, our default). */
  set_alpha_to_one?: boolean;
}
