/**
 * Painting the inpainting mask without a pointer: a rectangle moved with the arrow keys, resized with
 * Shift+arrows and filled with Enter. Pure functions over the rectangle and the mask; the canvas component
 * turns key presses into these calls.
 */
import type { Mask, Rect } from "./maskPaint";

/** Sets every pixel of `rect` (clipped to the mask) to `value`, in place; returns the rectangle touched. */
export function fillRect(mask: Mask, rect: Rect, value: number): Rect | undefined {
  const x0 = Math.max(0, rect.x);
  const y0 = Math.max(0, rect.y);
  const x1 = Math.min(mask.width, rect.x + rect.width);
  const y1 = Math.min(mask.height, rect.y + rect.height);
  if (x0 >= x1 || y0 >= y1) return undefined;
  for (let y = y0; y < y1; y++) mask.data.fill(value, y * mask.width + x0, y * mask.width + x1);
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** The rectangle a keyboard user starts with: a quarter of the image's width and height, centred. */
export function startRect(mask: Pick<Mask, "width" | "height">): Rect {
  const width = Math.max(1, Math.round(mask.width / 4));
  const height = Math.max(1, Math.round(mask.height / 4));
  return { x: Math.floor((mask.width - width) / 2), y: Math.floor((mask.height - height) / 2), width, height };
}

/** One arrow press: a sixteenth of the image, at least a pixel. */
export function keyStep(mask: Pick<Mask, "width" | "height">): number {
  return Math.max(1, Math.round(Math.max(mask.width, mask.height) / 16));
}

const DIRECTIONS: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

/**
 * The rectangle after an arrow key: moved, or with `resize` its right/bottom edge moved; it always stays
 * inside the mask and at least a pixel in size. Undefined for other keys.
 */
export function arrowRect(rect: Rect, key: string, resize: boolean, step: number, mask: Pick<Mask, "width" | "height">): Rect | undefined {
  const direction = DIRECTIONS[key];
  if (!direction) return undefined;
  const [dx, dy] = direction;
  if (resize) {
    const width = Math.min(mask.width - rect.x, Math.max(1, rect.width + dx * step));
    const height = Math.min(mask.height - rect.y, Math.max(1, rect.height + dy * step));
    return { ...rect, width, height };
  }
  return {
    ...rect,
    x: Math.min(mask.width - rect.width, Math.max(0, rect.x + dx * step)),
    y: Math.min(mask.height - rect.height, Math.max(0, rect.y + dy * step)),
  };
}
