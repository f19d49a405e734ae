import { encode } from "fast-png";
import { zlibSync } from "fflate";
import { describe, expect, it } from "vitest";
import {
  insertTextChunks,
  joinPngChunks,
  PngFormatError,
  readPngText,
  readPngTextEntries,
  splitPngChunks,
  textChunk,
  type PngChunk,
} from "./pngChunks";

const latin1Bytes = (text: string) => Uint8Array.from(text, (char) => char.charCodeAt(0));
const utf8Bytes = (text: string) => new TextEncoder().encode(text);
const concat = (...parts: ArrayLike<number>[]) => Uint8Array.from(parts.flatMap((part) => Array.from(part)));

function smallPng(): Uint8Array {
  const data = new Uint8Array(4 * 3 * 4).map((_, i) => (i * 37) % 256);
  return encode({ width: 4, height: 3, data, channels: 4, depth: 8 });
}

function withChunksBeforeIend(png: Uint8Array, extra: PngChunk[]): Uint8Array {
  const chunks = splitPngChunks(png);
  return joinPngChunks([...chunks.slice(0, -1), ...extra, ...chunks.slice(-1)]);
}

function expectFormatError(run: () => unknown, message: string): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(PngFormatError);
  expect(caught).toMatchObject({ name: "PngFormatError", message });
}

describe("splitPngChunks / joinPngChunks", () => {
  it("splits a PNG into IHDR … IEND and joins it back byte for byte", () => {
    const png = smallPng();
    const chunks = splitPngChunks(png);
    expect(chunks.map((chunk) => chunk.type)).toEqual(["IHDR", "IDAT", "IEND"]);
    expect(chunks[0].data).toHaveLength(13);
    expect(joinPngChunks(chunks)).toEqual(png);
  });

  it("ignores bytes after IEND", () => {
    const png = smallPng();
    expect(splitPngChunks(concat(png, [1, 2, 3])).map((chunk) => chunk.type)).toEqual(["IHDR", "IDAT", "IEND"]);
  });

  it("refuses chunk types that are not four letters", () => {
    expect(() => joinPngChunks([{ type: "tEX", data: new Uint8Array() }])).toThrow(RangeError);
  });
});

describe("malformed PNG files", () => {
  const png = smallPng();
  const idat = 8 + 25; // signature, then IHDR: length, type, 13 data bytes, CRC

  it("rejects files that are not PNGs", () => {
    expectFormatError(() => splitPngChunks(new Uint8Array()), "This file is not a PNG image.");
    expectFormatError(() => splitPngChunks(latin1Bytes("GIF89a\u0001\u0000")), "This file is not a PNG image.");
    const jpeg = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46);
    expectFormatError(() => splitPngChunks(jpeg), "This file is not a PNG image.");
  });

  it("rejects random bytes", () => {
    let state = 12345;
    const random = new Uint8Array(512).map(() => (state = (state * 1103515245 + 12345) >>> 0) >>> 24);
    expectFormatError(() => splitPngChunks(random), "This file is not a PNG image.");
  });

  it("says where a truncated file ends", () => {
    expectFormatError(
      () => splitPngChunks(png.subarray(0, 8)),
      "The PNG file is truncated (it ends right after its signature, before the closing 'IEND' chunk).",
    );
    expectFormatError(() => splitPngChunks(png.subarray(0, idat + 20)), "The PNG file is truncated (it ends inside the 'IDAT' chunk).");
    expectFormatError(
      () => splitPngChunks(png.subarray(0, png.length - 12)),
      "The PNG file is truncated (it ends after the 'IDAT' chunk, before the closing 'IEND' chunk).",
    );
    expectFormatError(() => splitPngChunks(png.subarray(0, png.length - 1)), "The PNG file is truncated (it ends inside the 'IEND' chunk).");
  });

  it("detects a bad CRC", () => {
    const broken = png.slice();
    broken[idat + 10] ^= 0x01;
    expectFormatError(() => splitPngChunks(broken), "The PNG file is damaged (the 'IDAT' chunk fails its checksum).");
  });

  it("rejects huge and impossible declared lengths without allocating", () => {
    const impossible = png.slice();
    new DataView(impossible.buffer).setUint32(idat, 0xfffffff0);
    expectFormatError(() => splitPngChunks(impossible), "The PNG file is damaged (the 'IDAT' chunk claims an impossible size of 4294967280 bytes).");
    const huge = png.slice();
    new DataView(huge.buffer).setUint32(idat, 0x7fffffff);
    expectFormatError(() => splitPngChunks(huge), "The PNG file is truncated (it ends inside the 'IDAT' chunk).");
  });

  it("rejects garbage where a chunk should start, and a missing IHDR", () => {
    const garbage = png.slice();
    garbage.set([0x00, 0x7f, 0x20, 0x21], idat + 4);
    expectFormatError(() => splitPngChunks(garbage), `The PNG file is damaged (byte ${idat + 4} should start a chunk name but does not).`);
    const noHeader = joinPngChunks(splitPngChunks(png).slice(1));
    expectFormatError(() => splitPngChunks(noHeader), "The PNG file is damaged (it does not begin with the 'IHDR' header chunk).");
  });

  it("throws only PngFormatError for every truncation and for corrupted bytes", () => {
    const file = insertTextChunks(png, { parameters: "a cat\nSteps: 20", title: "一只猫" });
    for (let end = 0; end < file.length - 1; end++) {
      expect(() => readPngTextEntries(file.subarray(0, end))).toThrow(PngFormatError);
    }
    let state = 7;
    for (let trial = 0; trial < 300; trial++) {
      const corrupted = file.slice();
      state = (state * 1103515245 + 12345) >>> 0;
      corrupted[8 + (state % (file.length - 8))] ^= 1 + ((state >>> 24) % 255);
      expect(() => readPngTextEntries(corrupted)).toThrow(PngFormatError);
    }
  });
});

describe("text chunks", () => {
  it("writes Latin-1 text as tEXt, including bytes 0x80–0x9F", () => {
    const chunk = textChunk("Comment", "café ± \u0085\u0099 ÿ\nsecond line");
    expect(chunk.type).toBe("tEXt");
    expect(chunk.data).toEqual(concat(latin1Bytes("Comment"), [0], latin1Bytes("café ± \u0085\u0099 ÿ\nsecond line")));
    const png = insertTextChunks(smallPng(), { Comment: "café ± \u0085\u0099 ÿ\nsecond line" });
    expect(readPngText(png)).toEqual({ Comment: "café ± \u0085\u0099 ÿ\nsecond line" });
  });

  it("writes text outside Latin-1 as uncompressed iTXt in UTF-8", () => {
    for (const text of ["一只猫", "a cat 🐱", "€"]) {
      const chunk = textChunk("parameters", text);
      expect(chunk.type).toBe("iTXt");
      expect(chunk.data).toEqual(concat(latin1Bytes("parameters"), [0, 0, 0, 0, 0], utf8Bytes(text)));
      expect(readPngTextEntries(insertTextChunks(smallPng(), { parameters: text }))).toEqual([{ kind: "iTXt", keyword: "parameters", text }]);
    }
  });

  it("refuses keywords and text that PNG cannot store", () => {
    for (const keyword of ["", " lead", "trail ", "two  spaces", "x".repeat(80), "猫", "tab\t"]) {
      expect(() => textChunk(keyword, "v")).toThrow(RangeError);
    }
    expect(() => textChunk("x".repeat(79), "v")).not.toThrow();
    expect(() => textChunk("Comment", "a\0b")).toThrow(RangeError);
  });

  it("reads zTXt (deflate-compressed Latin-1)", () => {
    const text = "Steps: 20, Sampler: Euler, CFG scale: 7, ±µ ÿ";
    const ztxt = { type: "zTXt", data: concat(latin1Bytes("Description"), [0, 0], zlibSync(latin1Bytes(text))) };
    expect(readPngTextEntries(withChunksBeforeIend(smallPng(), [ztxt]))).toEqual([{ kind: "zTXt", keyword: "Description", text }]);
  });

  it("reads compressed iTXt with a language tag and translated keyword", () => {
    const text = "一只猫坐在窗台上\nNegative prompt: 模糊";
    const itxt = {
      type: "iTXt",
      data: concat(latin1Bytes("parameters"), [0, 1, 0], latin1Bytes("zh-cn"), [0], utf8Bytes("参数"), [0], zlibSync(utf8Bytes(text))),
    };
    expect(readPngText(withChunksBeforeIend(smallPng(), [itxt]))).toEqual({ parameters: text });
  });

  it("reports damaged text chunks", () => {
    const ztxt = (payload: ArrayLike<number>) =>
      withChunksBeforeIend(smallPng(), [{ type: "zTXt", data: concat(latin1Bytes("Title"), [0], payload) }]);
    expectFormatError(() => readPngText(ztxt([0, 1, 2, 3, 4])), "The PNG file is damaged (its 'Title' text cannot be decompressed).");
    expectFormatError(() => readPngText(ztxt([0])), "The PNG file is damaged (its 'Title' text cannot be decompressed).");
    expectFormatError(
      () => readPngText(ztxt([8, ...zlibSync(latin1Bytes("x"))])),
      "The PNG file is damaged (the 'Title' text uses an unknown compression method).",
    );
    const noKeyword = withChunksBeforeIend(smallPng(), [{ type: "tEXt", data: latin1Bytes("no separator") }]);
    expectFormatError(() => readPngText(noKeyword), "The PNG file is damaged (a 'tEXt' text chunk has no keyword).");
    const shortItxt = withChunksBeforeIend(smallPng(), [{ type: "iTXt", data: concat(latin1Bytes("Title"), [0, 0, 0]) }]);
    expectFormatError(() => readPngText(shortItxt), "The PNG file is damaged (the 'Title' text chunk is cut short).");
  });

  it("refuses text that would decompress beyond 32 MB", () => {
    const bomb = zlibSync(new Uint8Array(40 * 1024 * 1024), { level: 1 });
    const png = withChunksBeforeIend(smallPng(), [{ type: "zTXt", data: concat(latin1Bytes("Comment"), [0, 0], bomb) }]);
    expectFormatError(() => readPngText(png), "The PNG's 'Comment' text is too large to read (over 32 MB once decompressed).");
  });

  it("inserts text before IEND and replaces chunks with the same keyword", () => {
    const first = insertTextChunks(smallPng(), { parameters: "old", Software: "test" });
    const second = insertTextChunks(first, { parameters: "new 🐱" });
    expect(splitPngChunks(second).map((chunk) => chunk.type)).toEqual(["IHDR", "IDAT", "tEXt", "iTXt", "IEND"]);
    expect(readPngTextEntries(second)).toEqual([
      { kind: "tEXt", keyword: "Software", text: "test" },
      { kind: "iTXt", keyword: "parameters", text: "new 🐱" },
    ]);
  });

  it("keeps the last value of a repeated keyword", () => {
    const png = withChunksBeforeIend(smallPng(), [textChunk("Title", "one"), textChunk("Title", "two")]);
    expect(readPngText(png)).toEqual({ Title: "two" });
  });
});
