/**
 * The inpainting mask as plain data: one byte per source pixel, 255 = regenerate, 0 = keep (what
 * `InitImageMessage.mask` carries). Brush strokes, invert and clear are pure functions over it, so the
 * canvas component only turns pointer positions into calls and repaints the rectangle a call touched.
 */

export interface Mask {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

export const MASKED = 255;

export function emptyMask(width: number, height: number): Mask {
  return { width, height, data: new Uint8Array(width * height) };
}

export function invertMask(mask: Mask): Mask {
  return { ...mask, data: mask.data.map((v) => 255 - v) };
}

export function isMaskEmpty(mask: Mask): boolean {
  return mask.data.every((v) => v === 0);
}

export function unionRect(a: Rect | undefined, b: Rect | undefined): Rect | undefined {
  if (!a || !b) return a ?? b;
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, width: Math.max(a.x + a.width, b.x + b.width) - x, height: Math.max(a.y + a.height, b.y + b.height) - y };
}

/**
 * Sets every pixel whose centre lies within `radius` of (cx, cy) to `value`, in place. Coordinates are
 * continuous source pixels (0,0 is the top-left corner). Returns the rectangle touched, clipped to the mask.
 */
export function stampDisc(mask: Mask, cx: number, cy: number, radius: number, value: number): Rect | undefined {
  // pixel x is covered when |x + 0.5 − cx| ≤ radius
  const x0 = Math.max(0, Math.ceil(cx - radius - 0.5));
  const y0 = Math.max(0, Math.ceil(cy - radius - 0.5));
  const x1 = Math.min(mask.width - 1, Math.floor(cx + radius - 0.5));
  const y1 = Math.min(mask.height - 1, Math.floor(cy + radius - 0.5));
  if (x0 > x1 || y0 > y1) return undefined;
  const r2 = radius * radius;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= r2) mask.data[y * mask.width + x] = value;
    }
  }
  return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/** A brush stroke from `from` to `to`: discs close enough together that a fast pointer leaves no gaps. */
export function paintStroke(mask: Mask, from: Point, to: Point, radius: number, value: number): Rect | undefined {
  const length = Math.hypot(to.x - from.x, to.y - from.y);
  const spacing = Math.max(0.5, radius / 2);
  const n = Math.max(1, Math.ceil(length / spacing));
  let touched: Rect | undefined;
  for (let i = 0; i <= n; i++) {
    const t = i / n;
    touched = unionRect(touched, stampDisc(mask, from.x + (to.x - from.x) * t, from.y + (to.y - from.y) * t, radius, value));
  }
  return touched;
}

/** Where a pointer at (clientX, clientY) falls on a mask drawn stretched over `box`, in source pixels. */
export function toMaskPoint(clientX: number, clientY: number, box: Rect, mask: Pick<Mask, "width" | "height">): Point {
  return { x: ((clientX - box.x) / box.width) * mask.width, y: ((clientY - box.y) / box.height) * mask.height };
}

/** Writes the overlay's RGBA for `rect`: masked pixels tinted with `rgb` at up to `opacity`, the rest clear. */
export function paintOverlay(mask: Mask, rgba: Uint8ClampedArray, rect: Rect, rgb: readonly [number, number, number], opacity: number): void {
  for (let y = rect.y; y < rect.y + rect.height; y++) {
    for (let x = rect.x; x < rect.x + rect.width; x++) {
      const i = y * mask.width + x;
      rgba.set([rgb[0], rgb[1], rgb[2], Math.round(mask.data[i] * opacity)], i * 4);
    }
  }
}
