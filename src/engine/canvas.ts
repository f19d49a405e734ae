import type { RgbaImage } from "./vae/vae";

/** Bilinear sample of an RGBA image at (x, y) in source pixel coordinates, edges clamped. */
function sample(img: RgbaImage, x: number, y: number, out: Uint8Array, o: number) {
  const cx = Math.min(Math.max(x, 0), img.width - 1);
  const cy = Math.min(Math.max(y, 0), img.height - 1);
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = Math.min(x0 + 1, img.width - 1);
  const y1 = Math.min(y0 + 1, img.height - 1);
  const fx = cx - x0;
  const fy = cy - y0;
  for (let c = 0; c < 4; c++) {
    const p = (yy: number, xx: number) => img.data[(yy * img.width + xx) * 4 + c];
    const top = p(y0, x0) * (1 - fx) + p(y0, x1) * fx;
    const bottom = p(y1, x0) * (1 - fx) + p(y1, x1) * fx;
    out[o + c] = Math.round(top * (1 - fy) + bottom * fy);
  }
}

/**
 * Brings a user's image to the generation size: "crop" scales it to cover the frame and cuts the
 * overflow (centred); "pad" scales it to fit and extends its edge pixels into the empty margin.
 */
export function fitImage(img: RgbaImage, width: number, height: number, mode: "crop" | "pad"): RgbaImage {
  const scale = mode === "crop" ? Math.max(width / img.width, height / img.height) : Math.min(width / img.width, height / img.height);
  const offX = (width - img.width * scale) / 2;
  const offY = (height - img.height * scale) / 2;
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      sample(img, (x + 0.5 - offX) / scale - 0.5, (y + 0.5 - offY) / scale - 0.5, data, (y * width + x) * 4);
    }
  }
  return { width, height, data };
}

export interface OutpaintMargins {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/**
 * A larger canvas for outpainting: the image in place, the new margins filled by stretching its
 * edge pixels outwards (so the VAE sees plausible colours), and a mask over the margins that
 * reaches `overlap` pixels into the image so old and new content blend.
 */
export function outpaintCanvas(img: RgbaImage, m: OutpaintMargins, overlap = 8): { image: RgbaImage; mask: Uint8Array } {
  const width = img.width + m.left + m.right;
  const height = img.height + m.top + m.bottom;
  const data = new Uint8Array(width * height * 4);
  const mask = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sx = Math.min(Math.max(x - m.left, 0), img.width - 1);
      const sy = Math.min(Math.max(y - m.top, 0), img.height - 1);
      const o = (y * width + x) * 4;
      data.set(img.data.subarray((sy * img.width + sx) * 4, (sy * img.width + sx) * 4 + 4), o);
      const ix = x - m.left;
      const iy = y - m.top;
      const inside = ix >= 0 && iy >= 0 && ix < img.width && iy < img.height;
      const nearNewEdge =
        (m.left > 0 && ix < overlap) ||
        (m.right > 0 && ix >= img.width - overlap) ||
        (m.top > 0 && iy < overlap) ||
        (m.bottom > 0 && iy >= img.height - overlap);
      mask[y * width + x] = !inside || nearNewEdge ? 255 : 0;
    }
  }
  return { image: { width, height, data }, mask };
}
