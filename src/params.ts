/** Samplers by their AUTOMATIC1111 names ("Sampler" and "Schedule type" merged, as older versions listed them). */
export const SAMPLER_NAMES = ["Euler", "Euler a", "DDIM", "DPM++ 2M", "DPM++ 2M Karras", "Euler Karras", "LCM", "UniPC"] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];

/**
 * How a prompt is read. "A1111": AUTOMATIC1111's syntax — `(word:1.2)`, `[word]`, BREAK, `<lora:…>` tags taken
 * out — and prompts of any length, in chunks of 75 tokens. "plain": the text as typed, cut at 77 tokens, exactly
 * as diffusers' pipelines read it.
 */
export const PROMPT_SYNTAXES = ["A1111", "plain"] as const;
export type PromptSyntax = (typeof PROMPT_SYNTAXES)[number];
export const DEFAULT_PROMPT_SYNTAX: PromptSyntax = "A1111";

/** What a user asks for; shared by the form, the worker protocol, the embed API and the engine. */
export interface GenerateParams {
  prompt: string;
  negativePrompt: string;
  steps: number;
  guidance: number;
  /** −1 draws a random seed, which is then reported with the result. */
  seed: number;
  width: number;
  height: number;
  sampler: string;
  /** img2img / inpainting only: 0–1, how much of the schedule runs (A1111's "Denoising strength"). */
  denoisingStrength?: number;
  /** Absent means DEFAULT_PROMPT_SYNTAX. */
  promptSyntax?: PromptSyntax;
}

export interface ParamLimits {
  sizes: { min: number; max: number; multiple: number };
  samplers: readonly string[];
  maxSteps: number;
}

export interface ParamProblem {
  field: keyof GenerateParams;
  message: string;
}

export const MAX_SEED = 2 ** 53 - 1;

/**
 * Outpainting regenerates a band of the source this many pixels wide along each extended edge (then
 * feathered by the mask blur), so old and new content join without a hard line.
 */
export const DEFAULT_OUTPAINT_SEAM = 8;
export const MAX_OUTPAINT_SEAM = 64;
const MAX_PROMPT_CHARS = 10_000;

/** Every problem with the settings, each naming its field and how to fix it; empty when all is well. */
export function validateParams(p: GenerateParams, limits: ParamLimits): ParamProblem[] {
  const problems: ParamProblem[] = [];
  const { min, max, multiple } = limits.sizes;
  if (typeof p.prompt !== "string") problems.push({ field: "prompt", message: "The prompt must be text." });
  else if (p.prompt.length > MAX_PROMPT_CHARS)
    problems.push({ field: "prompt", message: `The prompt is too long (at most ${MAX_PROMPT_CHARS} characters).` });
  if (typeof p.negativePrompt !== "string" || p.negativePrompt.length > MAX_PROMPT_CHARS)
    problems.push({ field: "negativePrompt", message: `The negative prompt must be text of at most ${MAX_PROMPT_CHARS} characters.` });
  if (!Number.isInteger(p.steps) || p.steps < 1 || p.steps > limits.maxSteps)
    problems.push({ field: "steps", message: `Steps must be a whole number from 1 to ${limits.maxSteps}.` });
  if (typeof p.guidance !== "number" || !Number.isFinite(p.guidance) || p.guidance < 0 || p.guidance > 30)
    problems.push({ field: "guidance", message: "Guidance (CFG scale) must be a number from 0 to 30." });
  if (!Number.isInteger(p.seed) || p.seed < -1 || p.seed > MAX_SEED)
    problems.push({ field: "seed", message: `The seed must be a whole number from 0 to ${MAX_SEED}, or −1 for a random one.` });
  for (const field of ["width", "height"] as const) {
    const v = p[field];
    if (!Number.isInteger(v) || v < min || v > max || v % multiple !== 0)
      problems.push({ field, message: `${field === "width" ? "Width" : "Height"} must be from ${min} to ${max} pixels in steps of ${multiple}.` });
  }
  if (p.denoisingStrength !== undefined && !(p.denoisingStrength >= 0 && p.denoisingStrength <= 1))
    problems.push({ field: "denoisingStrength", message: "Denoising strength must be a number from 0 to 1." });
  if (p.promptSyntax !== undefined && !PROMPT_SYNTAXES.includes(p.promptSyntax))
    problems.push({ field: "promptSyntax", message: `Unknown prompt syntax "${String(p.promptSyntax)}". Choose one of: ${PROMPT_SYNTAXES.join(", ")}.` });
  if (!limits.samplers.includes(p.sampler))
    problems.push({ field: "sampler", message: `Unknown sampler "${String(p.sampler)}". Choose one of: ${limits.samplers.join(", ")}.` });
  return problems;
}
