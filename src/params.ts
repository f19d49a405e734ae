import type { ModelManifest } from "./manifest";

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

/** The most steps a job may ask for: the form, the embed API and the engine all refuse more. */
export const MAX_STEPS = 150;

/** What a model accepts: its own sizes, and the samplers and steps every model shares. */
export function limitsFor(manifest: Pick<ModelManifest, "sizes">): ParamLimits {
  return { sizes: manifest.sizes, samplers: SAMPLER_NAMES, maxSteps: MAX_STEPS };
}

/** A1111's default "Denoising strength" for an image job that names none. */
export const DEFAULT_STRENGTH = 0.75;
/** A1111's default "Mask blur" (px). */
export const DEFAULT_MASK_BLUR = 4;

/** How the VAE is run: whole, or in overlapping tiles (sizes in latent units). */
export interface VaeTiling {
  /** "auto" tiles only when the image would not fit the backend's buffers. */
  mode: "auto" | "on" | "off";
  tile: number;
  overlap: number;
}

/** What a job that says nothing of tiling gets, so the form's "Auto" behaves as if nothing were sent. */
export const DEFAULT_TILING: VaeTiling = { mode: "auto", tile: 32, overlap: 8 };

/** A generation setting, or one of an editing job's settings (source image, mask, margins, VAE tiles). */
export type ParamField = keyof GenerateParams | EditField;
export type EditField = "source" | "mask" | "maskBlur" | "outpaint" | "tiling";

export interface ParamProblem {
  field: ParamField;
  message: string;
}

export const MAX_SEED = 2 ** 53 - 1;
/**
 * The seed that means "a new random seed each time", as in AUTOMATIC1111: in the form, the job, the widget's
 * requests and URL; the engine draws the seed and reports it with the result.
 */
export const RANDOM_SEED = -1;

/**
 * Outpainting regenerates a band of the source this many pixels wide along each extended edge (then
 * feathered by the mask blur), so old and new content join without a hard line.
 */
export const DEFAULT_OUTPAINT_SEAM = 8;
export const MAX_OUTPAINT_SEAM = 64;
const MAX_PROMPT_CHARS = 10_000;
/** A1111's slider for "Mask blur" stops here; wider blurs cost time for no visible change. */
export const MAX_MASK_BLUR = 64;
/** The largest source image accepted, per side; the engine fits it to the generation size. */
export const MAX_SOURCE_SIDE = 8192;
/** VAE tiles in latent units: below 8 the VAE's convolutions have nothing to work on; the engine caps larger tiles at the image. */
export const MIN_VAE_TILE = 8;
export const MAX_VAE_TILE = 1024;

/**
 * C0 controls other than tab, line feed and carriage return, DEL, and C1 controls: no tokenizer
 * gives them meaning, and PNG text cannot carry NUL.
 */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

function textProblem(field: "prompt" | "negativePrompt", value: unknown): ParamProblem | undefined {
  const label = field === "prompt" ? "The prompt" : "The negative prompt";
  if (typeof value !== "string") return { field, message: `${label} must be text.` };
  if (value.length > MAX_PROMPT_CHARS) return { field, message: `${label} is too long (at most ${MAX_PROMPT_CHARS} characters).` };
  const control = CONTROL_CHARACTER.exec(value);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
    return {
      field,
      message: `${label} contains an invisible control character (U+${code}) at position ${control.index + 1}; delete it or retype the text.`,
    };
  }
  return undefined;
}

/** Every problem with the settings, each naming its field and how to fix it; empty when all is well. */
export function validateParams(p: GenerateParams, limits: ParamLimits): ParamProblem[] {
  const problems: ParamProblem[] = [];
  const { min, max, multiple } = limits.sizes;
  for (const field of ["prompt", "negativePrompt"] as const) {
    const problem = textProblem(field, p[field]);
    if (problem) problems.push(problem);
  }
  if (!Number.isInteger(p.steps) || p.steps < 1 || p.steps > limits.maxSteps)
    problems.push({ field: "steps", message: `Steps must be a whole number from 1 to ${limits.maxSteps}.` });
  if (typeof p.guidance !== "number" || !Number.isFinite(p.guidance) || p.guidance < 0 || p.guidance > 30)
    problems.push({ field: "guidance", message: "Guidance (CFG scale) must be a number from 0 to 30." });
  if (!Number.isInteger(p.seed) || p.seed < RANDOM_SEED || p.seed > MAX_SEED)
    problems.push({ field: "seed", message: `The seed must be a whole number from 0 to ${MAX_SEED}, or −1 for a random one.` });
  for (const field of ["width", "height"] as const) {
    const v = p[field];
    if (!Number.isInteger(v) || v < min || v > max || v % multiple !== 0)
      problems.push({ field, message: `${field === "width" ? "Width" : "Height"} must be from ${min} to ${max} pixels in steps of ${multiple}.` });
  }
  if (p.denoisingStrength !== undefined && !(typeof p.denoisingStrength === "number" && p.denoisingStrength >= 0 && p.denoisingStrength <= 1))
    problems.push({ field: "denoisingStrength", message: "Denoising strength must be a number from 0 to 1." });
  if (p.promptSyntax !== undefined && !PROMPT_SYNTAXES.includes(p.promptSyntax))
    problems.push({
      field: "promptSyntax",
      message: `Unknown prompt syntax "${String(p.promptSyntax)}". Choose one of: ${PROMPT_SYNTAXES.join(", ")}.`,
    });
  if (typeof p.sampler !== "string" || !limits.samplers.includes(p.sampler))
    problems.push({
      field: "sampler",
      message: `Unknown sampler "${String(p.sampler).slice(0, 40)}". Choose one of: ${limits.samplers.join(", ")}.`,
    });
  return problems;
}

/** What an editing job adds to its settings; the same shapes as the worker protocol's `init` and `tiling`. */
export interface EditSettings {
  init?: {
    image: { width: number; height: number; data: Uint8Array };
    fit: string;
    mask?: Uint8Array;
    maskBlur?: number;
    outpaint?: { left: number; right: number; top: number; bottom: number; seam?: number };
  };
  tiling?: { mode: string; tile: number; overlap: number };
}

const isWhole = (v: unknown, lo: number, hi: number): v is number => Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi;

/** The VAE tiling setting's problem, if any: the form's check as the user types, and validateEdit's for every job. */
export function tilingProblem(tiling: NonNullable<EditSettings["tiling"]>): (ParamProblem & { field: "tiling" }) | undefined {
  if (!["auto", "on", "off"].includes(tiling.mode)) return { field: "tiling", message: 'VAE tiling must be "auto", "on" or "off".' };
  if (!isWhole(tiling.tile, MIN_VAE_TILE, MAX_VAE_TILE))
    return { field: "tiling", message: `The VAE tile size must be a whole number from ${MIN_VAE_TILE} to ${MAX_VAE_TILE} (latent units).` };
  if (!isWhole(tiling.overlap, 0, tiling.tile / 2))
    return { field: "tiling", message: "The VAE tile overlap must be a whole number from 0 to half the tile size." };
  return undefined;
}

/** The mask blur's problem, if any: the form's inpainting check and validateEdit's. */
export function maskBlurProblem(blur: number): (ParamProblem & { field: "maskBlur" }) | undefined {
  return isWhole(blur, 0, MAX_MASK_BLUR)
    ? undefined
    : { field: "maskBlur", message: `Mask blur must be a whole number of pixels from 0 to ${MAX_MASK_BLUR}.` };
}

/**
 * Every problem with an editing job's settings, checked before any pixel is touched, so no request can
 * keep the engine busy (a blur of a million pixels, margins of 20,000) or end in a raw error.
 * `p` is the job's generation settings, already checked by validateParams.
 */
export function validateEdit({ init, tiling }: EditSettings, p: GenerateParams, limits: ParamLimits): ParamProblem[] {
  const problems: ParamProblem[] = [];
  const tilingIssue = tiling && tilingProblem(tiling);
  if (tilingIssue) problems.push(tilingIssue);
  if (init === undefined) return problems;
  const { image } = init;
  if (!image || !isWhole(image.width, 1, MAX_SOURCE_SIDE) || !isWhole(image.height, 1, MAX_SOURCE_SIDE)) {
    problems.push({ field: "source", message: `The source image must be from 1×1 to ${MAX_SOURCE_SIDE}×${MAX_SOURCE_SIDE} pixels.` });
    return problems;
  }
  if (!(image.data instanceof Uint8Array) || image.data.length !== image.width * image.height * 4) {
    problems.push({
      field: "source",
      message: `The source image's pixels do not match its size ${image.width}×${image.height} (RGBA, 4 bytes a pixel).`,
    });
  }
  if (init.fit !== "crop" && init.fit !== "pad") problems.push({ field: "source", message: 'The source image\'s fit must be "crop" or "pad".' });
  if (init.mask !== undefined && (!(init.mask instanceof Uint8Array) || init.mask.length !== image.width * image.height)) {
    problems.push({ field: "mask", message: "The mask must have one value per source pixel." });
  }
  const blurIssue = init.maskBlur !== undefined && maskBlurProblem(init.maskBlur);
  if (blurIssue) problems.push(blurIssue);
  const m = init.outpaint;
  if (m !== undefined) {
    const { max, multiple } = limits.sizes;
    const margins = [m.left, m.right, m.top, m.bottom];
    if (!margins.every((v) => isWhole(v, 0, max))) {
      problems.push({ field: "outpaint", message: `Outpainting margins must be whole numbers of pixels from 0 to ${max}.` });
    } else if (m.seam !== undefined && !isWhole(m.seam, 0, MAX_OUTPAINT_SEAM)) {
      problems.push({ field: "outpaint", message: `The outpainting seam must be a whole number of pixels from 0 to ${MAX_OUTPAINT_SEAM}.` });
    } else if (p.width - m.left - m.right < multiple || p.height - m.top - m.bottom < multiple) {
      problems.push({
        field: "outpaint",
        message: `Margins of ${m.left + m.right}×${m.top + m.bottom} pixels leave no room for the source in a ${p.width}×${p.height} image: extend by less.`,
      });
    }
  }
  return problems;
}
