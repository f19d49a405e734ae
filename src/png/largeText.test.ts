import { zlibSync } from "fflate";
import { describe, expect, it } from "vitest";
import { encodePng } from "./encodePng";
import { readGenerationInfo } from "./parameters";
import { insertTextChunks, joinPngChunks, PngFormatError, splitPngChunks, type PngChunk } from "./pngChunks";

const SETTINGS = "a red star\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 64x64";
const png = () => encodePng(new Uint8Array(4 * 4 * 4), 4, 4);

function withChunk(file: Uint8Array, chunk: PngChunk): Uint8Array {
  const chunks = splitPngChunks(file);
  return joinPngChunks([...chunks.slice(0, -1), chunk, chunks[chunks.length - 1]]);
}

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
/** A zTXt chunk: keyword, NUL, compression method 0, zlib stream. */
const ztxt = (keyword: string, text: Uint8Array): PngChunk => ({
  type: "zTXt",
  data: Uint8Array.from([...ascii(keyword), 0, 0, ...zlibSync(text, { level: 9 })]),
});

function timed<T>(fn: () => T): { value: T | unknown; ms: number } {
  const t0 = performance.now();
  try {
    return { value: fn(), ms: performance.now() - t0 };
  } catch (err) {
    return { value: err, ms: performance.now() - t0 };
  }
}

describe("reading generation parameters from hostile PNGs", () => {
  it("refuses a 10 MB parameters text before decoding it, with a message", () => {
    const file = insertTextChunks(png(), { parameters: "x".repeat(10 * 1024 * 1024) });
    const { value, ms } = timed(() => readGenerationInfo(file));
    expect(value).toBeInstanceOf(PngFormatError);
    expect((value as Error).message).toBe("The PNG's 'parameters' text is too large to read (10 MB, more than 64 KB).");
    expect(ms).toBeLessThan(200);
  });

  it("stops inflating a zTXt bomb soon after 64 KB", () => {
    // 64 MB of zeros compress to about 64 KB
    const file = withChunk(png(), ztxt("parameters", new Uint8Array(64 * 1024 * 1024)));
    const { value, ms } = timed(() => readGenerationInfo(file));
    expect((value as Error).message).toBe("The PNG's 'parameters' text is too large to read (over 64 KB once decompressed).");
    expect(ms).toBeLessThan(200);
  });

  it("reads the parameters beside other large text it does not need (a ComfyUI workflow)", () => {
    const file = withChunk(insertTextChunks(png(), { parameters: SETTINGS }), ztxt("workflow", new Uint8Array(16 * 1024 * 1024)));
    expect(readGenerationInfo(file)).toMatchObject({ prompt: "a red star", steps: 20, seed: 1 });
  });

  it("still reads long but sane settings (a 20,000-character prompt)", () => {
    const prompt = `${"star, ".repeat(3_400)}sky`;
    const file = withChunk(png(), ztxt("parameters", ascii(`${prompt}\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 64x64`)));
    expect(readGenerationInfo(file).prompt).toBe(prompt);
  });
});
