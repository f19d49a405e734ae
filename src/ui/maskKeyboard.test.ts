import { describe, expect, it } from "vitest";
import { arrowRect, fillRect, keyStep, startRect } from "./maskKeyboard";
import { emptyMask, MASKED, type Mask } from "./maskPaint";

const rows = (m: Mask) =>
  Array.from({ length: m.height }, (_, y) => Array.from(m.data.subarray(y * m.width, (y + 1) * m.width), (v) => (v ? "#" : ".")).join(""));

describe("keyboard mask painting", () => {
  it("fills a rectangle, clipped to the mask, and erases with value 0", () => {
    const m = emptyMask(5, 4);
    expect(fillRect(m, { x: 3, y: 1, width: 4, height: 2 }, MASKED)).toEqual({ x: 3, y: 1, width: 2, height: 2 });
    expect(rows(m)).toEqual([".....", "...##", "...##", "....."]);
    fillRect(m, { x: 4, y: 2, width: 1, height: 1 }, 0);
    expect(rows(m)).toEqual([".....", "...##", "...#.", "....."]);
    expect(fillRect(m, { x: 9, y: 0, width: 2, height: 2 }, MASKED)).toBeUndefined();
  });

  it("starts with a centred quarter of the image and steps by a sixteenth", () => {
    expect(startRect({ width: 64, height: 48 })).toEqual({ x: 24, y: 18, width: 16, height: 12 });
    expect(keyStep({ width: 64, height: 48 })).toBe(4);
    expect(keyStep({ width: 8, height: 8 })).toBe(1);
  });

  it("moves with arrows and resizes with Shift+arrows, never leaving the image", () => {
    const size = { width: 64, height: 48 };
    const r = { x: 24, y: 18, width: 16, height: 12 };
    expect(arrowRect(r, "ArrowLeft", false, 4, size)).toEqual({ ...r, x: 20 });
    expect(arrowRect({ ...r, x: 2 }, "ArrowLeft", false, 4, size)).toEqual({ ...r, x: 0 });
    expect(arrowRect({ ...r, y: 34 }, "ArrowDown", false, 4, size)).toEqual({ ...r, y: 36 });
    expect(arrowRect(r, "ArrowRight", true, 4, size)).toEqual({ ...r, width: 20 });
    expect(arrowRect({ ...r, width: 3 }, "ArrowLeft", true, 4, size)).toEqual({ ...r, width: 1 });
    expect(arrowRect(r, "ArrowDown", true, 40, size)).toEqual({ ...r, height: 30 });
    expect(arrowRect(r, "Enter", false, 4, size)).toBeUndefined();
  });
});
