/**
 * A user's image (a picked or dropped file, a result sent to img2img) as RGBA pixels, decoded by the
 * browser. Every way that can fail ends as a `SourceImageError` whose message is fit to show.
 */
import type { RgbaImageMessage } from "../protocol";

/** Larger files are not pictures anyone means to edit here; reading them would only stall the page. */
export const MAX_SOURCE_BYTES = 64 * 1024 * 1024;
/** Longest side accepted: far above any model's size, small enough that the mask canvas stays responsive. */
export const MAX_SOURCE_SIDE = 4096;

export class SourceImageError extends Error {
  override name = "SourceImageError";
}

export function fileSizeProblem(name: string, bytes: number): string | undefined {
  if (bytes === 0) return `“${name}” is empty.`;
  if (bytes > MAX_SOURCE_BYTES)
    return `“${name}” is too large to open (${Math.round(bytes / 2 ** 20)} MB; at most ${MAX_SOURCE_BYTES / 2 ** 20} MB).`;
  return undefined;
}

export function dimensionProblem(name: string, width: number, height: number): string | undefined {
  if (width > MAX_SOURCE_SIDE || height > MAX_SOURCE_SIDE) {
    return `“${name}” is too large to edit (${width}×${height} pixels; at most ${MAX_SOURCE_SIDE} on a side). Scale it down first.`;
  }
  return undefined;
}

const PNG_SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

/**
 * A PNG's size from its header, so a small file that inflates to gigapixels is refused before the
 * browser allocates it (PNG is the format where that is easy to make and common to meet).
 */
export function pngHeaderSize(head: Uint8Array): { width: number; height: number } | undefined {
  if (head.length < 24 || PNG_SIGNATURE.some((b, i) => head[i] !== b)) return undefined;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

function fail(message: string): never {
  throw new SourceImageError(message);
}

export async function decodeImageFile(file: Blob, name: string): Promise<RgbaImageMessage> {
  const tooBig = fileSizeProblem(name, file.size);
  if (tooBig) fail(tooBig);
  const header = pngHeaderSize(new Uint8Array(await file.slice(0, 24).arrayBuffer()));
  const headerProblem = header && dimensionProblem(name, header.width, header.height);
  if (headerProblem) fail(headerProblem);
  let bitmap: ImageBitmap;
  try {
    // no colour management or premultiplication: the engine should see the file's own pixel values
    bitmap = await createImageBitmap(file, { colorSpaceConversion: "none", premultiplyAlpha: "none" });
  } catch {
    fail(`“${name}” is not an image this browser can read. Choose a PNG, JPEG, WebP, GIF or BMP file.`);
  }
  try {
    const { width, height } = bitmap;
    const sizeProblem = dimensionProblem(name, width, height);
    if (sizeProblem) fail(sizeProblem);
    const context = drawingContext(width, height);
    context.drawImage(bitmap, 0, 0);
    const pixels = context.getImageData(0, 0, width, height).data;
    return { width, height, data: new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength) };
  } finally {
    bitmap.close();
  }
}

/** OffscreenCanvas where the browser has it (no DOM node), else an element canvas (Safari before 16.4). */
function drawingContext(width: number, height: number): OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D {
  const options: CanvasRenderingContext2DSettings = { willReadFrequently: true };
  const context =
    typeof OffscreenCanvas === "function"
      ? new OffscreenCanvas(width, height).getContext("2d", options)
      : Object.assign(document.createElement("canvas"), { width, height }).getContext("2d", options);
  return context ?? fail("This browser cannot read image pixels (no 2D canvas).");
}
