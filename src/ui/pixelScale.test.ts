import { describe, expect, it } from "vitest";
import { integerScale } from "./pixelScale";

describe("integerScale", () => {
  it("draws a small image at the largest whole multiple that fits its frame", () => {
    expect(integerScale(512, 512, 64, 64)).toBe(8);
    expect(integerScale(350, 350, 64, 64)).toBe(5);
    expect(integerScale(512, 512, 128, 64)).toBe(4);
    expect(integerScale(512, 300, 64, 64)).toBe(4);
  });

  it("leaves images that fill the frame (less than twice over) to smooth scaling", () => {
    expect(integerScale(512, 512, 256, 256)).toBe(2);
    expect(integerScale(512, 512, 300, 300)).toBeUndefined();
    expect(integerScale(512, 512, 1024, 1024)).toBeUndefined();
    expect(integerScale(0, 0, 64, 64)).toBeUndefined();
  });
});
