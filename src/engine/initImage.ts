import { DEFAULT_OUTPAINT_SEAM, DEFAULT_STRENGTH, type GenerateParams } from "../params";
import type { InitImageMessage } from "../protocol";
import { fitImage, outpaintCanvas } from "./canvas";
import type { InitImage } from "./pipeline";

/**
 * Turns the job's source image into the pipeline's input: outpainting grows the canvas (and so the
 * generation size) and masks the new margins; otherwise the image is fitted to the requested size.
 * The message was checked by validateEdit (the engine's front door does so before any pixel is touched).
 */
export function prepareInitImage(msg: InitImageMessage, params: GenerateParams): { init: InitImage; params: GenerateParams } {
  const { image } = msg;
  const strength = params.denoisingStrength ?? DEFAULT_STRENGTH;
  if (msg.outpaint) {
    const m = msg.outpaint;
    // the source keeps its pixels: fit it first so the grown canvas lands on the latent grid
    const base = fitImage(image, params.width - m.left - m.right, params.height - m.top - m.bottom, msg.fit);
    const { image: canvas, mask } = outpaintCanvas(base, m, m.seam ?? DEFAULT_OUTPAINT_SEAM);
    return { init: { image: canvas, mask, strength, maskBlur: msg.maskBlur }, params: { ...params, denoisingStrength: strength } };
  }
  const fitted = fitImage(image, params.width, params.height, msg.fit);
  const mask = msg.mask ? fitMask(msg.mask, image.width, image.height, params.width, params.height, msg.fit) : undefined;
  return { init: { image: fitted, mask, strength, maskBlur: msg.maskBlur }, params: { ...params, denoisingStrength: strength } };
}

/** The mask fitted like its image (as a grey image through the same resampling). */
function fitMask(mask: Uint8Array, w: number, h: number, width: number, height: number, mode: "crop" | "pad"): Uint8Array {
  const grey = new Uint8Array(w * h * 4);
  mask.forEach((v, i) => grey.fill(v, i * 4, i * 4 + 4));
  const fitted = fitImage({ width: w, height: h, data: grey }, width, height, mode);
  return Uint8Array.from({ length: width * height }, (_, i) => fitted.data[i * 4]);
}
