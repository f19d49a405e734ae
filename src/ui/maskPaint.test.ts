import { describe, expect, it } from "vitest";
import { emptyMask, invertMask, isMaskEmpty, MASKED, paintOverlay, paintStroke, stampDisc, toMaskPoint, unionRect, type Mask } from "./maskPaint";

/** The mask as rows of "#" (painted) and "." (kept), easy to read in a failing test. */
const rows = (m: Mask) =>
  Array.from({ length: m.height }, (_, y) => Array.from(m.data.subarray(y * m.width, (y + 1) * m.width), (v) => (v ? "#" : ".")).join(""));

describe("stampDisc", () => {
  it("paints the pixels whose centres lie within the radius and reports the rectangle it touched", () => {
    const m = emptyMask(7, 7);
    const rect = stampDisc(m, 3.5, 3.5, 1.6, MASKED);
    expect(rows(m)).toEqual([".......", ".......", "..###..", "..###..", "..###..", ".......", "......."]);
    expect(rect).toEqual({ x: 2, y: 2, width: 3, height: 3 });
  });

  it("clips at the edges and ignores a brush entirely outside", () => {
    const m = emptyMask(4, 4);
    expect(stampDisc(m, 0, 0, 1.6, MASKED)).toEqual({ x: 0, y: 0, width: 2, height: 2 });
    expect(rows(m)).toEqual(["##..", "#...", "....", "...."]);
    expect(stampDisc(m, -10, 2, 2, MASKED)).toBeUndefined();
  });

  it("erases with value 0", () => {
    const m = invertMask(emptyMask(3, 3));
    stampDisc(m, 1.5, 1.5, 0.5, 0);
    expect(rows(m)).toEqual(["###", "#.#", "###"]);
  });
});

describe("paintStroke", () => {
  it("leaves no gap along a fast stroke", () => {
    const m = emptyMask(32, 5);
    const rect = paintStroke(m, { x: 1, y: 2.5 }, { x: 31, y: 2.5 }, 1, MASKED);
    expect(rows(m)[2]).toBe("################################");
    expect(rect).toEqual({ x: 0, y: 1, width: 32, height: 3 });
  });

  it("paints a single disc for a stroke that does not move", () => {
    const a = emptyMask(8, 8);
    const b = emptyMask(8, 8);
    paintStroke(a, { x: 4, y: 4 }, { x: 4, y: 4 }, 2, MASKED);
    stampDisc(b, 4, 4, 2, MASKED);
    expect(rows(a)).toEqual(rows(b));
  });
});

describe("invert, clear and emptiness", () => {
  it("inverting twice gives the mask back, without touching the original", () => {
    const m = emptyMask(4, 2);
    m.data[3] = MASKED;
    const inverted = invertMask(m);
    expect(Array.from(inverted.data)).toEqual([255, 255, 255, 0, 255, 255, 255, 255]);
    expect(Array.from(invertMask(inverted).data)).toEqual(Array.from(m.data));
    expect(m.data[0]).toBe(0);
  });

  it("knows an empty mask from a painted one", () => {
    const m = emptyMask(3, 3);
    expect(isMaskEmpty(m)).toBe(true);
    m.data[4] = 1;
    expect(isMaskEmpty(m)).toBe(false);
    expect(isMaskEmpty(invertMask(emptyMask(2, 2)))).toBe(false);
  });
});

describe("pointer mapping and overlay", () => {
  it("maps a pointer over a stretched canvas to source pixels", () => {
    const box = { x: 100, y: 50, width: 320, height: 160 };
    expect(toMaskPoint(100, 50, box, { width: 64, height: 32 })).toEqual({ x: 0, y: 0 });
    expect(toMaskPoint(260, 130, box, { width: 64, height: 32 })).toEqual({ x: 32, y: 16 });
    expect(toMaskPoint(420, 210, box, { width: 64, height: 32 })).toEqual({ x: 64, y: 32 });
  });

  it("tints masked pixels and clears the rest, only inside the rectangle", () => {
    const m = emptyMask(2, 2);
    m.data[1] = MASKED;
    const rgba = new Uint8ClampedArray(16).fill(9);
    paintOverlay(m, rgba, { x: 0, y: 0, width: 2, height: 1 }, [10, 20, 30], 0.5);
    expect(Array.from(rgba)).toEqual([10, 20, 30, 0, 10, 20, 30, 128, 9, 9, 9, 9, 9, 9, 9, 9]);
  });

  it("unions rectangles, either of which may be missing", () => {
    const a = { x: 1, y: 1, width: 2, height: 2 };
    expect(unionRect(a, { x: 5, y: 0, width: 1, height: 1 })).toEqual({ x: 1, y: 0, width: 5, height: 3 });
    expect(unionRect(undefined, a)).toBe(a);
    expect(unionRect(undefined, undefined)).toBeUndefined();
  });
});
