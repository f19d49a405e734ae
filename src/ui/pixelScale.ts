/**
 * How large to draw an image that is smaller than its frame: a whole multiple of its size, so each pixel
 * becomes a crisp square (with `image-rendering: pixelated`) instead of a blur. Images as large as the
 * frame or larger return undefined: they are scaled down smoothly to fit.
 */
export function integerScale(frameWidth: number, frameHeight: number, width: number, height: number): number | undefined {
  if (width <= 0 || height <= 0 || frameWidth <= 0 || frameHeight <= 0) return undefined;
  const fit = Math.min(frameWidth / width, frameHeight / height);
  if (fit < 2) return undefined;
  return Math.floor(fit);
}
