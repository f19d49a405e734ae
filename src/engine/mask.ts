/** Inpainting masks: 0 keeps the source pixel, 255 regenerates it. */

/**
 * The largest value or the mean over a (2r+1)² window, clamped at the borders, as a pass along the rows and then one
 * along the columns (both are separable).
 */
function separableWindow(mask: Float32Array, w: number, h: number, r: number, op: "max" | "mean"): Float32Array {
  if (r <= 0) return mask.slice();
  const pass = (src: Float32Array, horizontal: boolean) => {
    const out = new Float32Array(w * h);
    const [length, stride] = horizontal ? [w, 1] : [h, w];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const at = horizontal ? x : y;
        const first = Math.max(0, at - r);
        const last = Math.min(length - 1, at + r);
        // where this pixel's row (or column) starts
        const line = horizontal ? y * w : x;
        let acc = 0;
        for (let k = first; k <= last; k++) acc = op === "max" ? Math.max(acc, src[line + k * stride]) : acc + src[line + k * stride];
        out[y * w + x] = op === "max" ? acc : acc / (last - first + 1);
      }
    }
    return out;
  };
  return pass(pass(mask, true), false);
}

/** Largest value in a (2r+1)² window: grows the masked area by r pixels. */
export function dilate(mask: Float32Array, w: number, h: number, r: number): Float32Array {
  return separableWindow(mask, w, h, r, "max");
}

/** Mean over a (2r+1)² window (clamped at the borders): softens the mask's edge over r pixels. */
export function boxBlur(mask: Float32Array, w: number, h: number, r: number): Float32Array {
  return separableWindow(mask, w, h, r, "mean");
}

/**
 * The mask on the latent grid: a latent pixel is regenerated if any pixel it covers is masked,
 * grown by one latent pixel and feathered so the new content meets the old without a step.
 */
export function latentMask(mask: Uint8Array, w: number, h: number, factor: number): Float32Array {
  const lw = w / factor;
  const lh = h / factor;
  const pooled = new Float32Array(lw * lh);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = Math.floor(y / factor) * lw + Math.floor(x / factor);
      pooled[i] = Math.max(pooled[i], mask[y * w + x] / 255);
    }
  }
  const grown = dilate(pooled, lw, lh, 1);
  const soft = boxBlur(grown, lw, lh, 1);
  // never weaken the masked area itself, only soften around it
  return soft.map((v, i) => Math.max(v, pooled[i]));
}

/** Pixel-space blend weight of the generated image: the mask grown by `grow` px, feathered over `blur` px. */
export function pixelBlendMask(mask: Uint8Array, w: number, h: number, grow: number, blur: number): Float32Array {
  const m = Float32Array.from(mask, (v) => v / 255);
  return boxBlur(dilate(m, w, h, grow + blur), w, h, blur).map((v, i) => Math.max(v, m[i]));
}

/** out = α·generated + (1 − α)·source per pixel; alpha channel from the source. */
export function composite(generated: Uint8Array, source: Uint8Array, alpha: Float32Array): Uint8Array {
  const out = new Uint8Array(source.length);
  for (let i = 0; i < alpha.length; i++) {
    const a = alpha[i];
    for (let c = 0; c < 3; c++) out[i * 4 + c] = Math.round(a * generated[i * 4 + c] + (1 - a) * source[i * 4 + c]);
    out[i * 4 + 3] = source[i * 4 + 3];
  }
  return out;
}
