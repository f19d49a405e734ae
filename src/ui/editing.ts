/**
 * What the editing modes (img2img, inpaint, outpaint) add to a job, as pure functions of the form's
 * state: the generation size a source suggests, the outpainted canvas, and the `init` sent to the engine.
 */
import { DEFAULT_STRENGTH, maskBlurProblem, MAX_OUTPAINT_SEAM, type GenerateParams, type ParamLimits } from "../params";
import type { InitImageMessage, RgbaImageMessage } from "../protocol";
import { isMaskEmpty, type Mask } from "./maskPaint";

export type EditMode = "txt2img" | "img2img" | "inpaint" | "outpaint";
export type ImageMode = Exclude<EditMode, "txt2img">;

export const EDIT_MODES: readonly EditMode[] = ["txt2img", "img2img", "inpaint", "outpaint"];

export const MODE_LABELS: Record<EditMode, string> = {
  txt2img: "Text to image",
  img2img: "Image to image",
  inpaint: "Inpaint",
  outpaint: "Outpaint",
};

/**
 * Steps an image job runs, as the engine plans them: diffusers' img2img runs the last ⌊steps × strength⌋
 * of the schedule, while LCM shortens its schedule instead and runs every step.
 */
export function stepsToRun(steps: number, strength: number, sampler: string): number {
  return sampler === "LCM" ? steps : Math.min(steps, Math.floor(steps * strength));
}

export interface Margins {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export const NO_MARGINS: Margins = { left: 0, right: 0, top: 0, bottom: 0 };

export interface SourceImage {
  /** File name (or where it came from), shown in the queue. */
  name: string;
  image: RgbaImageMessage;
}

/** One field's problem with the editing settings, shown beside that control. */
export interface EditProblem {
  field: "source" | "mask" | "maskBlur" | "outpaint" | "outpaintSeam" | "tiling";
  message: string;
}

type Sizes = ParamLimits["sizes"];
export interface Size {
  width: number;
  height: number;
}

const roundTo = (v: number, multiple: number) => Math.round(v / multiple) * multiple;
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/**
 * The generation size for a source: its own size when the model allows it, else the nearest allowed
 * size of about the same shape (scaled to fit the limits, then rounded to the size multiple).
 */
export function sizeForSource(width: number, height: number, sizes: Sizes): Size {
  const { min, max, multiple } = sizes;
  const hi = Math.floor(max / multiple) * multiple;
  const lo = Math.ceil(min / multiple) * multiple;
  const scale = clamp(1, Math.max(min / width, min / height), Math.min(max / width, max / height));
  return { width: clamp(roundTo(width * scale, multiple), lo, hi), height: clamp(roundTo(height * scale, multiple), lo, hi) };
}

export function outpaintedSize(base: Size, m: Margins): Size {
  return { width: base.width + m.left + m.right, height: base.height + m.top + m.bottom };
}

function marginsProblem(m: Margins, base: Size, sizes: Sizes): string | undefined {
  const values = [m.left, m.right, m.top, m.bottom];
  if (values.some((v) => !Number.isInteger(v) || v < 0 || v % sizes.multiple !== 0)) {
    return `Extend each side by a whole number of pixels in steps of ${sizes.multiple} (0, ${sizes.multiple}, ${2 * sizes.multiple}, …).`;
  }
  if (values.every((v) => v === 0)) return "Choose how far to extend the image on at least one side.";
  const out = outpaintedSize(base, m);
  if (out.width > sizes.max || out.height > sizes.max) {
    return `Outpainting would make the image ${out.width}×${out.height}, but this model makes at most ${sizes.max}×${sizes.max} pixels: extend by less.`;
  }
  return undefined;
}

export interface EditState {
  mode: EditMode;
  source?: SourceImage;
  fit: "crop" | "pad";
  mask?: Mask;
  maskBlur: number;
  outpaint: Margins;
  /** Pixels of the source along each extended edge that outpainting regenerates too. */
  outpaintSeam: number;
}

export interface EditedJob {
  params: GenerateParams;
  init?: InitImageMessage;
  problems: EditProblem[];
}

/** The job's parameters and `init` for the form's mode, or the problems that keep it from running. */
export function editedJob(state: EditState, params: GenerateParams, sizes: Sizes): EditedJob {
  const { denoisingStrength, ...plain } = params;
  const { mode, source } = state;
  if (mode === "txt2img") return { params: plain, problems: [] };
  if (!source) {
    return {
      params,
      problems: [{ field: "source", message: `${MODE_LABELS[mode]} starts from an image: choose one, drop one here, or send a result here.` }],
    };
  }
  const strength = denoisingStrength ?? DEFAULT_STRENGTH;
  const base = { image: source.image, fit: state.fit };
  const blur = state.maskBlur;
  const blurIssue = maskBlurProblem(blur);
  const blurProblems: EditProblem[] = blurIssue ? [blurIssue] : [];
  switch (mode) {
    case "img2img":
      return { params: { ...params, denoisingStrength: strength }, init: base, problems: [] };
    case "inpaint": {
      const problems = [...blurProblems];
      if (!state.mask || isMaskEmpty(state.mask)) problems.push({ field: "mask", message: "Paint over the part of the image to regenerate." });
      return { params: { ...params, denoisingStrength: strength }, init: { ...base, mask: state.mask?.data, maskBlur: blur }, problems };
    }
    case "outpaint": {
      const fitted = sizeForSource(source.image.width, source.image.height, sizes);
      const problem = marginsProblem(state.outpaint, fitted, sizes);
      const seam = state.outpaintSeam;
      const seamProblems: EditProblem[] =
        Number.isInteger(seam) && seam >= 0 && seam <= MAX_OUTPAINT_SEAM
          ? []
          : [{ field: "outpaintSeam", message: `The seam must be a whole number of pixels from 0 to ${MAX_OUTPAINT_SEAM}.` }];
      return {
        params: { ...params, ...outpaintedSize(fitted, state.outpaint), denoisingStrength: strength },
        init: { ...base, maskBlur: blur, outpaint: { ...state.outpaint, seam } },
        problems: [...blurProblems, ...seamProblems, ...(problem ? [{ field: "outpaint" as const, message: problem }] : [])],
      };
    }
  }
}
