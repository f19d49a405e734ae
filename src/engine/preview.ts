import type { LatentRgbProjection } from "../manifest";

/**
 * A cheap picture of a latent: one linear map per pixel from latent channels to RGB (fitted by
 * least squares when the model was made), so a preview costs no VAE call. Returns RGBA at latent size.
 */
export function latentToRgba(
  latent: ArrayLike<number>,
  channels: number,
  width: number,
  height: number,
  { weights, bias }: LatentRgbProjection,
): Uint8Array {
  const plane = width * height;
  const out = new Uint8Array(plane * 4);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      let v = bias[c];
      for (let k = 0; k < channels; k++) v += weights[c][k] * latent[k * plane + i];
      out[i * 4 + c] = Math.round(Math.min(1, Math.max(0, v)) * 255);
    }
    out[i * 4 + 3] = 255;
  }
  return out;
}
