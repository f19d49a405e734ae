import { decode, encode, type DecodedPng } from "fast-png";
import { insertTextChunks, PngFormatError, splitPngChunks } from "./pngChunks";

export interface RgbaImage {
  width: number;
  height: number;
  /** 8-bit RGBA, row-major, 4 bytes per pixel, not premultiplied. */
  rgba: Uint8Array;
}

// Decoding allocates the whole image up front; a crafted header could otherwise ask for terabytes.
const MAX_PIXELS = 64 * 1024 * 1024;

/**
 * Encodes 8-bit RGBA pixels as a PNG and stores each `text` entry in its own chunk: tEXt when it is Latin-1,
 * iTXt (UTF-8) otherwise, so prompts in any language survive.
 */
export function encodePng(
  rgba: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  text: Readonly<Record<string, string>> = {},
): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`A PNG needs a positive whole-number size, got ${width}×${height}.`);
  }
  if (rgba.length !== width * height * 4) {
    throw new RangeError(`A ${width}×${height} RGBA image needs ${width * height * 4} bytes of pixels, got ${rgba.length}.`);
  }
  const png = encode({ width, height, data: rgba, channels: 4, depth: 8 });
  return Object.keys(text).length === 0 ? png : insertTextChunks(png, text);
}

/**
 * Decodes any non-animated PNG (greyscale, RGB, palette, with or without alpha or tRNS, 1–16 bits) to 8-bit
 * RGBA. Every failure is a `PngFormatError` with a message fit to show the user.
 */
export function decodePng(bytes: Uint8Array): RgbaImage {
  const chunks = splitPngChunks(bytes);
  const header = chunks[0].data;
  if (header.length !== 13) throw new PngFormatError("The PNG file is damaged (its 'IHDR' header has the wrong size).");
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const width = view.getUint32(0);
  const height = view.getUint32(4);
  if (width === 0 || height === 0) throw new PngFormatError("The PNG file is damaged (its image has no pixels).");
  if (width * height > MAX_PIXELS) {
    throw new PngFormatError(`This PNG image is too large to open (${width}×${height} pixels; the limit is ${MAX_PIXELS / 2 ** 20} megapixels).`);
  }
  if (!chunks.some((chunk) => chunk.type === "IDAT")) {
    throw new PngFormatError("The PNG file is damaged (it contains no image data).");
  }
  let decoded: DecodedPng;
  try {
    decoded = decode(bytes);
  } catch (error) {
    throw new PngFormatError("The PNG file's image data is damaged or uses a feature this app cannot read.", {
      cause: error,
    });
  }
  return { width, height, rgba: toRgba8(decoded) };
}

function toRgba8(png: DecodedPng): Uint8Array {
  const { width, height, channels, depth, palette, transparency } = png;
  const pixels = width * height;
  // Below 8 bits (greyscale or palette only) samples are packed into bytes, each row starting on a new byte.
  const samples = depth < 8 ? unpackRows(png.data, width, height, depth) : png.data;
  const max = 2 ** depth - 1;
  const to8 = depth === 8 ? (v: number) => v : (v: number) => Math.round((v * 255) / max);
  const out = new Uint8Array(pixels * 4);
  for (let p = 0, s = 0, o = 0; p < pixels; p++, s += channels, o += 4) {
    if (palette) {
      const colour = palette[samples[s]];
      if (colour === undefined) {
        throw new PngFormatError("The PNG file is damaged (a pixel uses a palette colour that does not exist).");
      }
      out[o] = colour[0];
      out[o + 1] = colour[1];
      out[o + 2] = colour[2];
      out[o + 3] = colour[3] ?? 255;
    } else if (channels <= 2) {
      const grey = samples[s];
      out[o] = out[o + 1] = out[o + 2] = to8(grey);
      // tRNS for greyscale names one grey level, in raw sample units, that is fully transparent.
      out[o + 3] = channels === 2 ? to8(samples[s + 1]) : transparency?.[0] === grey ? 0 : 255;
    } else {
      const r = samples[s];
      const g = samples[s + 1];
      const b = samples[s + 2];
      out[o] = to8(r);
      out[o + 1] = to8(g);
      out[o + 2] = to8(b);
      const keyed = transparency !== undefined && r === transparency[0] && g === transparency[1] && b === transparency[2];
      out[o + 3] = channels === 4 ? to8(samples[s + 3]) : keyed ? 0 : 255;
    }
  }
  return out;
}

function unpackRows(packed: ArrayLike<number>, width: number, height: number, depth: number): Uint8Array {
  const rowBytes = Math.ceil((width * depth) / 8);
  const mask = (1 << depth) - 1;
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      // Samples are stored most significant bits first.
      out[y * width + x] = (packed[y * rowBytes + (bit >> 3)] >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return out;
}
