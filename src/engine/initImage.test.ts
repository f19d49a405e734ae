import { describe, expect, it } from "vitest";
import type { GenerateParams } from "../params";
import type { InitImageMessage } from "../protocol";
import { prepareInitImage } from "./initImage";

const params: GenerateParams = { prompt: "p", negativePrompt: "", steps: 4, guidance: 4, seed: 1, width: 96, height: 64, sampler: "Euler" };
const source = { width: 64, height: 64, data: new Uint8Array(64 * 64 * 4).fill(128) };
const outpaintRight = (seam?: number): InitImageMessage => ({
  image: source,
  fit: "crop",
  outpaint: { left: 0, right: 32, top: 0, bottom: 0, seam },
});

/** Columns of row 10 that the mask regenerates. */
function maskedColumns(msg: InitImageMessage): number[] {
  const { init } = prepareInitImage(msg, params);
  const row = init.mask!.subarray(10 * 96, 11 * 96);
  return [...row.keys()].filter((x) => row[x] === 255);
}

describe("prepareInitImage for outpainting", () => {
  it("regenerates the new margin and a band of the source `seam` pixels wide along the extended edge", () => {
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
    expect(maskedColumns(outpaintRight())).toEqual(range(56, 96)); // default 8 px
    expect(maskedColumns(outpaintRight(0))).toEqual(range(64, 96));
    expect(maskedColumns(outpaintRight(20))).toEqual(range(44, 96));
  });
});
