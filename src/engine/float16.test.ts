import { describe, expect, it } from "vitest";
import { fromHalfBits, toHalfArray, toHalfBits } from "./float16";

// Reference bit patterns from numpy: np.float16(x).view(np.uint16)
const CASES: [number, number][] = [
  [0, 0x0000],
  [1, 0x3c00],
  [-2, 0xc000],
  [0.1, 0x2e66],
  [65504, 0x7bff],
  [65520, 0x7c00], // rounds up past the largest half: Infinity
  [1e-8, 0x0000],
  [6e-8, 0x0001], // smallest subnormal is 5.96e-8
  [6.1035156e-5, 0x0400], // smallest normal
  [3.0517578e-5, 0x0200], // a subnormal
  [1.00048828125, 0x3c00], // exactly halfway between 1 and the next half: ties to even (down)
  [1.00146484375, 0x3c02], // halfway between 0x3c01 and 0x3c02: ties to even (up)
  [14.6146, 0x4b4f],
  [Infinity, 0x7c00],
  [-Infinity, 0xfc00],
];

describe("float16", () => {
  it.each(CASES)("%f → 0x%s", (value, bits) => {
    expect(toHalfBits(value)).toBe(bits);
  });

  it("round-trips every finite half exactly", () => {
    const wrong: number[] = [];
    for (let bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7c00) !== 0x7c00 && toHalfBits(fromHalfBits(bits)) !== bits) wrong.push(bits);
    }
    expect(wrong).toEqual([]);
  });

  it("keeps NaN a NaN", () => {
    expect(Number.isNaN(fromHalfBits(toHalfArray([NaN])[0]))).toBe(true);
  });
});
