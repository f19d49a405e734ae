import { describe, expect, it } from "vitest";
import { composite, dilate, latentMask, pixelBlendMask } from "./mask";

function square(w: number, h: number, x0: number, y0: number, size: number): Uint8Array {
  const m = new Uint8Array(w * h);
  for (let y = y0; y < y0 + size; y++) for (let x = x0; x < x0 + size; x++) m[y * w + x] = 255;
  return m;
}

describe("masks", () => {
  it("dilate grows a point into a square", () => {
    const m = new Float32Array(25);
    m[12] = 1;
    expect(Array.from(dilate(m, 5, 5, 1))).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
  });

  it("marks a latent pixel when any of its pixels is masked, and feathers around it", () => {
    const mask = square(64, 64, 30, 30, 2); // touches latent (3,3) only
    const lm = latentMask(mask, 64, 64, 8);
    expect(lm[3 * 8 + 3]).toBe(1);
    expect(lm[0]).toBe(0);
    expect(lm[3 * 8 + 5]).toBeGreaterThan(0);
    expect(lm[3 * 8 + 5]).toBeLessThan(1);
  });

  it("keeps pixels exactly outside the grown, feathered mask", () => {
    const mask = square(32, 32, 12, 12, 8);
    const alpha = pixelBlendMask(mask, 32, 32, 0, 2);
    expect(alpha[16 * 32 + 16]).toBe(1);
    expect(alpha[0]).toBe(0);
    expect(alpha[16 * 32 + 12 - 5]).toBe(0); // 5 px left of the mask: beyond 2·blur
    const gen = new Uint8Array(32 * 32 * 4).fill(200);
    const src = new Uint8Array(32 * 32 * 4).fill(10);
    const out = composite(gen, src, alpha);
    expect(out[0]).toBe(10);
    expect(out[(16 * 32 + 16) * 4]).toBe(200);
  });
});
