/** Longest side of a gallery thumbnail, in pixels: two grid cells on a high-density screen. */
export const THUMB_SIZE = 128;

/** The size a `width`×`height` image is shown at in the grid, keeping its aspect ratio; never enlarged. */
export function thumbnailSize(width: number, height: number, max = THUMB_SIZE): { width: number; height: number } {
  const scale = Math.min(1, max / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * A small WebP of the image for the gallery grid. An image already no larger than a thumbnail is its own
 * thumbnail; where the browser cannot scale images off-screen, the PNG is used as is (larger, still correct).
 */
export async function makeThumbnail(png: Blob, width: number, height: number): Promise<Blob> {
  const size = thumbnailSize(width, height);
  if (size.width === width && size.height === height) return png;
  try {
    const bitmap = await createImageBitmap(png, { resizeWidth: size.width, resizeHeight: size.height, resizeQuality: "high" });
    const canvas = new OffscreenCanvas(size.width, size.height);
    canvas.getContext("2d")?.drawImage(bitmap, 0, 0);
    bitmap.close();
    return await canvas.convertToBlob({ type: "image/webp", quality: 0.85 });
  } catch (err) {
    console.warn("Could not make a thumbnail; the gallery shows the full image instead.", err);
    return png;
  }
}
