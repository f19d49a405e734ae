import type { GenerateParams, PromptSyntax } from "../params";

/** One reference image and the settings it was made with, as the reference scripts under tools/ write them. */
export interface ReferenceCase {
  prompt: string;
  /** null: the pipeline was given none (SDXL then conditions on zeros). */
  negativePrompt: string | null;
  seed: number;
  steps: number;
  guidance: number;
  width: number;
  height: number;
  sampler: string;
  /** The image's path beside the case list. */
  image: string;
}

/** The engine's settings for a case; "plain" reads the prompt exactly as diffusers' pipelines do. */
export function caseParams(c: ReferenceCase, promptSyntax: PromptSyntax = "plain"): GenerateParams {
  const { prompt, negativePrompt, seed, steps, guidance, width, height, sampler } = c;
  return { prompt, negativePrompt: negativePrompt ?? "", seed, steps, guidance, width, height, sampler, promptSyntax };
}
