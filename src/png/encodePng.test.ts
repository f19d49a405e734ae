import { encode } from "fast-png";
import { describe, expect, it } from "vitest";
import { decodePng, encodePng } from "./encodePng";
import { joinPngChunks, PngFormatError, readPngTextEntries, splitPngChunks, type PngChunk } from "./pngChunks";

function gradient(width: number, height: number): Uint8Array {
  return new Uint8Array(width * height * 4).map((_, i) => (i * 29 + (i >> 7)) % 256);
}

/** Puts chunks right after PLTE (or IHDR), where tRNS must go. */
function withAncillary(png: Uint8Array, extra: PngChunk[]): Uint8Array {
  const chunks = splitPngChunks(png);
  const at = chunks.findIndex((chunk) => chunk.type === "IDAT");
  return joinPngChunks([...chunks.slice(0, at), ...extra, ...chunks.slice(at)]);
}

function header(width: number, height: number): PngChunk {
  const data = new Uint8Array(13);
  const view = new DataView(data.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  data.set([8, 6, 0, 0, 0], 8);
  return { type: "IHDR", data };
}

describe("encodePng", () => {
  it("round-trips pixels and text through our own PNG", () => {
    const rgba = gradient(7, 5);
    const text = {
      parameters: "a red fox\nNegative prompt: blurry\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 42, Size: 7x5",
      Comment: "一只猫 🐱",
    };
    const png = encodePng(rgba, 7, 5, text);
    expect(readPngTextEntries(png)).toEqual([
      { kind: "tEXt", keyword: "parameters", text: text.parameters },
      { kind: "iTXt", keyword: "Comment", text: text.Comment },
    ]);
    expect(decodePng(png)).toEqual({ width: 7, height: 5, rgba });
  });

  it("accepts Uint8ClampedArray pixels and writes no text chunk when there is no text", () => {
    const rgba = new Uint8ClampedArray(gradient(3, 2));
    const png = encodePng(rgba, 3, 2);
    expect(splitPngChunks(png).map((chunk) => chunk.type)).toEqual(["IHDR", "IDAT", "IEND"]);
    expect(decodePng(png).rgba).toEqual(new Uint8Array(rgba));
  });

  it("refuses a size that does not match the pixels", () => {
    expect(() => encodePng(new Uint8Array(16), 2, 3)).toThrow("A 2×3 RGBA image needs 24 bytes of pixels, got 16.");
    expect(() => encodePng(new Uint8Array(0), 0, 0)).toThrow(RangeError);
    expect(() => encodePng(new Uint8Array(8), 1.5, 1)).toThrow(RangeError);
  });
});

describe("decodePng", () => {
  it("expands 8-bit greyscale and greyscale + alpha", () => {
    const grey = encode({ width: 2, height: 1, data: Uint8Array.of(0, 200), channels: 1, depth: 8 });
    expect(decodePng(grey).rgba).toEqual(Uint8Array.of(0, 0, 0, 255, 200, 200, 200, 255));
    const greyAlpha = encode({ width: 2, height: 1, data: Uint8Array.of(10, 20, 30, 40), channels: 2, depth: 8 });
    expect(decodePng(greyAlpha).rgba).toEqual(Uint8Array.of(10, 10, 10, 20, 30, 30, 30, 40));
  });

  it("unpacks and scales 1- and 4-bit greyscale rows", () => {
    // 3 pixels per row pad each row to a whole byte: rows 1 0 1 and 0 1 1.
    const oneBit = encode({ width: 3, height: 2, data: Uint8Array.of(0b10100000, 0b01100000), channels: 1, depth: 1 });
    expect(Array.from(decodePng(oneBit).rgba.filter((_, i) => i % 4 === 0))).toEqual([255, 0, 255, 0, 255, 255]);
    const fourBit = encode({ width: 3, height: 1, data: Uint8Array.of(0x0f, 0x50), channels: 1, depth: 4 });
    expect(Array.from(decodePng(fourBit).rgba.filter((_, i) => i % 4 === 0))).toEqual([0, 255, 85]);
  });

  it("reads Adam7-interlaced images", () => {
    const rgba = gradient(9, 11);
    const png = encode({ width: 9, height: 11, data: rgba, channels: 4, depth: 8 }, { interlace: "Adam7" });
    expect(splitPngChunks(png)[0].data[12]).toBe(1); // IHDR interlace method
    expect(decodePng(png).rgba).toEqual(rgba);
  });

  it("scales 16-bit RGB down to 8 bits with rounding", () => {
    const data = Uint16Array.of(0, 65535, 257 * 100, 128, 32896, 65407);
    const png = encode({ width: 2, height: 1, data, channels: 3, depth: 16 });
    expect(decodePng(png).rgba).toEqual(Uint8Array.of(0, 255, 100, 255, 0, 128, 255, 255));
  });

  it("unpacks 2-bit palette images and applies palette transparency", () => {
    // Row of 5 pixels, indices 0 1 2 3 1, packed 4 per byte; the row pads to a whole byte.
    const data = Uint8Array.of(0b00011011, 0b01000000);
    const palette = [
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
      [9, 9, 9],
    ];
    const png = encode({ width: 5, height: 1, data, channels: 1, depth: 2, palette });
    expect(decodePng(png).rgba).toEqual(Uint8Array.of(255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 9, 9, 9, 255, 0, 255, 0, 255));
    const transparent = withAncillary(png, [{ type: "tRNS", data: Uint8Array.of(0, 128) }]);
    expect(decodePng(transparent).rgba).toEqual(Uint8Array.of(255, 0, 0, 0, 0, 255, 0, 128, 0, 0, 255, 255, 9, 9, 9, 255, 0, 255, 0, 128));
  });

  it("treats the tRNS colour key of RGB and greyscale images as transparent", () => {
    // fast-png wrongly compares the three key samples with the pixel count, so the image needs 3+ pixels.
    const rgb = encode({ width: 3, height: 1, data: Uint8Array.of(1, 2, 3, 4, 5, 6, 4, 5, 7), channels: 3, depth: 8 });
    const keyedRgb = withAncillary(rgb, [{ type: "tRNS", data: Uint8Array.of(0, 4, 0, 5, 0, 6) }]);
    expect(decodePng(keyedRgb).rgba).toEqual(Uint8Array.of(1, 2, 3, 255, 4, 5, 6, 0, 4, 5, 7, 255));
    const grey = encode({ width: 2, height: 1, data: Uint8Array.of(7, 8), channels: 1, depth: 8 });
    const keyedGrey = withAncillary(grey, [{ type: "tRNS", data: Uint8Array.of(0, 7) }]);
    expect(decodePng(keyedGrey).rgba).toEqual(Uint8Array.of(7, 7, 7, 0, 8, 8, 8, 255));
  });

  it("turns every malformed file into a PngFormatError with a user-facing message", () => {
    expect(() => decodePng(new TextEncoder().encode("hello"))).toThrow(new PngFormatError("This file is not a PNG image."));
    const png = encodePng(gradient(4, 4), 4, 4);
    expect(() => decodePng(png.subarray(0, 50))).toThrow("The PNG file is truncated (it ends inside the 'IDAT' chunk).");
    const [ihdr, , iend] = splitPngChunks(png);
    expect(() => decodePng(joinPngChunks([ihdr, iend]))).toThrow("The PNG file is damaged (it contains no image data).");
    const idatNotZlib = joinPngChunks([ihdr, { type: "IDAT", data: Uint8Array.of(1, 2, 3, 4) }, iend]);
    expect(() => decodePng(idatNotZlib)).toThrow("The PNG file's image data is damaged or uses a feature this app cannot read.");
    const badColourType = joinPngChunks([
      { type: "IHDR", data: Uint8Array.of(0, 0, 0, 4, 0, 0, 0, 4, 8, 5, 0, 0, 0) },
      ...splitPngChunks(png).slice(1),
    ]);
    expect(() => decodePng(badColourType)).toThrow(PngFormatError);
    for (let end = 0; end < png.length - 1; end++) {
      expect(() => decodePng(png.subarray(0, end))).toThrow(PngFormatError);
    }
  });

  it("refuses headers that would need an enormous allocation", () => {
    const [, idat, iend] = splitPngChunks(encodePng(gradient(1, 1), 1, 1));
    const huge = joinPngChunks([header(100_000, 100_000), idat, iend]);
    expect(() => decodePng(huge)).toThrow("This PNG image is too large to open (100000×100000 pixels; the limit is 64 megapixels).");
    const empty = joinPngChunks([header(0, 10), idat, iend]);
    expect(() => decodePng(empty)).toThrow("The PNG file is damaged (its image has no pixels).");
  });
});
