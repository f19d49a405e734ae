/** Image tensors [1,3,H,W] in [-1,1] ↔ RGBA bytes, rounded as diffusers' numpy_to_pil does. */
export function chwToRgba(chw: ArrayLike<number>, width: number, height: number): Uint8Array {
  const plane = width * height;
  const out = new Uint8Array(plane * 4);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const v = Math.min(1, Math.max(0, chw[c * plane + i] / 2 + 0.5));
      out[i * 4 + c] = Math.round(v * 255);
    }
    out[i * 4 + 3] = 255;
  }
  return out;
}

export function rgbaToChw(rgba: ArrayLike<number>, width: number, height: number): Float32Array {
  const plane = width * height;
  const out = new Float32Array(plane * 3);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) out[c * plane + i] = (rgba[i * 4 + c] / 255) * 2 - 1;
  }
  return out;
}

/** The largest difference of any R, G or B value between two RGBA images of the same size (what parity tests bound). */
export function maxRgbDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) if (i % 4 !== 3) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}
