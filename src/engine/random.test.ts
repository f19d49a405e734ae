import { describe, it, expect } from "vitest";
import fixture from "./__fixtures__/torch_randn.json";
import { TorchGenerator, randomSeed, torchRandn } from "./random";

// Written by tools/reference/torch_randn.py; seeds are strings because some exceed 2^53.
interface FullCase {
  seed: string;
  shape: number[];
  values: number[];
}
interface SampledCase {
  seed: string;
  shape: number[];
  head: number[];
  tail: number[];
  /** float64 sum of every value, added left to right */
  sum: number;
}
interface Sequence {
  seed: string;
  draws: { shape: number[]; values: number[] }[];
}
const cases: (FullCase | SampledCase)[] = fixture.cases;
const sequences: Sequence[] = fixture.sequences;

function expectFloat32(actual: ArrayLike<number>, expected: readonly number[]): void {
  expect(Array.from(actual)).toEqual(expected.map(Math.fround));
}

/** The seed as torch got it, plus the same seed as a plain number where that is exact. */
function seedForms(seed: string): (number | bigint)[] {
  const big = BigInt(seed);
  return Number.isSafeInteger(Number(big)) ? [big, Number(big)] : [big];
}

describe("torchRandn", () => {
  it("matches the documented torch values for seed 42", () => {
    expectFloat32(torchRandn(42, [5]), [0.33669037, 0.12880941, 0.23446237, 0.23033303, -1.12285638]);
    expectFloat32(torchRandn(42, [1, 4, 64, 64]).subarray(0, 4), [1.92691529, 1.48728406, 0.9007172, -2.10552096]);
  });

  for (const entry of cases) {
    it(`matches torch for seed ${entry.seed}, shape [${entry.shape.join(", ")}]`, () => {
      for (const seed of seedForms(entry.seed)) {
        const actual = torchRandn(seed, entry.shape);
        if ("values" in entry) {
          expectFloat32(actual, entry.values);
          continue;
        }
        expectFloat32(actual.subarray(0, entry.head.length), entry.head);
        expectFloat32(actual.subarray(actual.length - entry.tail.length), entry.tail);
        let sum = 0;
        for (const value of actual) sum += value;
        expect(sum).toBe(entry.sum);
      }
    });
  }

  it("rejects non-integer seeds, seeds outside torch's range, and bad shapes", () => {
    expect(() => torchRandn(1.5, [4])).toThrow(RangeError);
    expect(() => torchRandn(2n ** 64n, [4])).toThrow(RangeError);
    expect(() => torchRandn(-(2n ** 63n) - 1n, [4])).toThrow(RangeError);
    expect(() => torchRandn(0, [2, -1])).toThrow(RangeError);
    expect(() => torchRandn(0, [2.5])).toThrow(RangeError);
  });
});

describe("TorchGenerator", () => {
  for (const { seed, draws } of sequences) {
    it(`continues one stream across calls for seed ${seed}: ${draws.map((d) => `[${d.shape.join(", ")}]`).join(" then ")}`, () => {
      const generator = new TorchGenerator(BigInt(seed));
      for (const draw of draws) expectFloat32(generator.randn(draw.shape), draw.values);
    });
  }
});

describe("randomSeed", () => {
  it("draws unsigned 32-bit integers that vary", () => {
    const seeds = Array.from({ length: 8 }, randomSeed);
    for (const seed of seeds) {
      expect(Number.isInteger(seed)).toBe(true);
      expect(seed).toBeGreaterThanOrEqual(0);
      expect(seed).toBeLessThan(2 ** 32);
    }
    expect(new Set(seeds).size).toBeGreaterThan(1);
  });
});
