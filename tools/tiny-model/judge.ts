/**
 * Scores a generated image against its prompt, as evaluate.py does: background colour from the
 * border ring, foreground colour from the pixels far from it, shape by the exported classifier.
 */
import palette from "./palette.json";

export const SHAPES: string[] = palette.shapes;
export const COLOUR_NAMES = Object.keys(palette.colours);
const RGB = Object.values(palette.colours).map((c) => c.map((v) => v / 127.5 - 1));

function nearest(rgb: number[]): number {
  let best = 0;
  let bestD = Infinity;
  RGB.forEach((c, i) => {
    const d = (c[0] - rgb[0]) ** 2 + (c[1] - rgb[1]) ** 2 + (c[2] - rgb[2]) ** 2;
    if (d < bestD) [best, bestD] = [i, d];
  });
  return best;
}

/** The lower middle value, as torch.median gives it. */
function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[(values.length - 1) >> 1];
}

/** RGBA bytes → the [-1,1] CHW layout the Python side judges and the classifier takes. */
export function toChw(rgba: Uint8Array, w: number, h: number): Float32Array {
  const out = new Float32Array(3 * w * h);
  for (let i = 0; i < w * h; i++) for (let c = 0; c < 3; c++) out[c * w * h + i] = rgba[i * 4 + c] / 127.5 - 1;
  return out;
}

export function judgeColours(chw: Float32Array, w: number, h: number): { background: number; foreground: number } {
  const px = (i: number) => [chw[i], chw[w * h + i], chw[2 * w * h + i]];
  const ring: number[][] = [];
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (x < 3 || y < 3 || x >= w - 3 || y >= h - 3) ring.push(px(y * w + x));
  const bg = [0, 1, 2].map((c) => median(ring.map((p) => p[c])));
  const far: number[][] = [];
  for (let i = 0; i < w * h; i++) {
    const p = px(i);
    if (Math.hypot(p[0] - bg[0], p[1] - bg[1], p[2] - bg[2]) > 0.6) far.push(p);
  }
  const foreground = far.length >= 12 ? nearest([0, 1, 2].map((c) => median(far.map((p) => p[c])))) : -1;
  return { background: nearest(bg), foreground };
}
