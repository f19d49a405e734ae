import { describe, expect, it } from "vitest";
import { applyEmphasis, padWithEmptyChunks } from "./emphasis";
import { golden } from "./goldens";

interface Golden {
  width: number;
  cases: { prompt: string; weights: number[]; hidden: number[]; weighted: number[] }[];
  padding: { empty: number[]; negative: number[]; positiveChunks: number; padded: number[] };
}

const fx = golden<Golden>("emphasis");

/** Float32 results that may differ from torch's only in how the mean's sum is ordered. */
function expectClose(actual: Float32Array, expected: number[], relative: number) {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  expected.forEach((e, i) => (worst = Math.max(worst, Math.abs(actual[i] - e) / Math.max(Math.abs(e), 1e-3))));
  expect(worst).toBeLessThan(relative);
}

describe("applyEmphasis matches A1111's Original emphasis over its forward()", () => {
  it.each(fx.cases.map((c) => [JSON.stringify(c.prompt.slice(0, 50)), c] as const))("%s", (_name, c) => {
    const out = applyEmphasis(Float32Array.from(c.hidden), Float32Array.from(c.weights), fx.width);
    expectClose(out, c.weighted, 2e-6);
  });

  it("keeps each chunk's mean, not the whole prompt's", () => {
    const c = fx.cases.find((x) => x.weights.length > 77 && new Set(x.weights).size > 1);
    if (!c) throw new Error("the goldens have a weighted two-chunk prompt");
    const out = applyEmphasis(Float32Array.from(c.hidden), Float32Array.from(c.weights), fx.width);
    const size = 77 * fx.width;
    const mean = (a: ArrayLike<number>, from: number) =>
      Array.from(a)
        .slice(from, from + size)
        .reduce((s, v) => s + v, 0) / size;
    for (const from of [0, size]) expect(mean(out, from)).toBeCloseTo(mean(c.hidden, from), 5);
  });

  it("rejects hidden states that do not fit the weights", () => {
    expect(() => applyEmphasis(new Float32Array(77 * 4), new Float32Array(77), 3)).toThrow(/do not hold/);
  });
});

describe("padWithEmptyChunks matches A1111's pad_cond_uncond", () => {
  it("appends the empty prompt's chunk to the shorter conditioning", () => {
    const { empty, negative, positiveChunks, padded } = fx.padding;
    const n = padWithEmptyChunks(Float32Array.from(negative), positiveChunks, Float32Array.from(empty), fx.width);
    expect(Array.from(n)).toStrictEqual(padded.map(Math.fround));
    const positive = new Float32Array(positiveChunks * 77 * fx.width).fill(0.5);
    expect(padWithEmptyChunks(positive, positiveChunks, Float32Array.from(empty), fx.width)).toBe(positive);
  });

  it("rejects an empty prompt that is not one chunk, and states longer than asked", () => {
    expect(() => padWithEmptyChunks(new Float32Array(77 * 2), 1, new Float32Array(76 * 2), 2)).toThrow(/one chunk/);
    expect(() => padWithEmptyChunks(new Float32Array(154 * 2), 1, new Float32Array(77 * 2), 2)).toThrow(/more than 1 chunks/);
  });
});
