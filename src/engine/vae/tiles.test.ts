import { describe, expect, it } from "vitest";
import { runTiled, tileGrid } from "./tiles";

describe("tileGrid", () => {
  it("covers the grid with tiles that overlap by at least the overlap", () => {
    const tiles = tileGrid(40, 72, 16, 4);
    const covered = new Uint8Array(40 * 72);
    for (const t of tiles) for (let y = t.y; y < t.y + t.h; y++) for (let x = t.x; x < t.x + t.w; x++) covered[y * 72 + x] = 1;
    expect(covered.every((v) => v === 1)).toBe(true);
    const xs = [...new Set(tiles.map((t) => t.x))].sort((a, b) => a - b);
    for (let i = 1; i < xs.length; i++) expect(xs[i - 1] + 16 - xs[i]).toBeGreaterThanOrEqual(4);
    expect(Math.max(...tiles.map((t) => t.x + t.w))).toBe(72);
  });

  it("uses one tile when the grid fits", () => {
    expect(tileGrid(8, 8, 16, 4)).toEqual([{ y: 0, x: 0, h: 8, w: 8 }]);
  });

  it("refuses an overlap as large as the tile", () => {
    expect(() => tileGrid(64, 64, 8, 8)).toThrow(/overlap/);
  });
});

describe("runTiled", () => {
  // a position-wise op (nearest ×8 upsampling with a channel mix) gives the same result tiled or whole
  const upsample = async (x: Float32Array, [, c, h, w]: [number, number, number, number]) => {
    const out = new Float32Array(3 * h * 8 * w * 8);
    for (let o = 0; o < 3; o++)
      for (let y = 0; y < h * 8; y++)
        for (let xx = 0; xx < w * 8; xx++) {
          let v = 0;
          for (let k = 0; k < c; k++) v += (k + o + 1) * x[k * h * w + Math.floor(y / 8) * w + Math.floor(xx / 8)];
          out[o * h * 64 * w + y * w * 8 + xx] = v;
        }
    return out;
  };

  it("blends tiles back to the whole-image result for a local operation", async () => {
    const dims = [1, 4, 20, 28] as [number, number, number, number];
    const input = Float32Array.from({ length: 4 * 20 * 28 }, (_, i) => Math.sin(i * 0.37));
    const whole = await upsample(input, dims);
    const tiled = await runTiled(input, dims, 12, 4, 8, 3, upsample);
    expect(tiled.dims).toEqual([1, 3, 160, 224]);
    let maxDiff = 0;
    for (let i = 0; i < whole.length; i++) maxDiff = Math.max(maxDiff, Math.abs(whole[i] - tiled.data[i]));
    expect(maxDiff).toBeLessThan(1e-5);
  });

  it("downscales for an encoder (scale 1/8)", async () => {
    const pool = async (x: Float32Array, [, , h, w]: [number, number, number, number]) => {
      const out = new Float32Array((h / 8) * (w / 8));
      for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) out[Math.floor(y / 8) * (w / 8) + Math.floor(xx / 8)] += x[y * w + xx] / 64;
      return out;
    };
    const dims = [1, 1, 96, 160] as [number, number, number, number];
    const input = Float32Array.from({ length: 96 * 160 }, (_, i) => (i % 13) / 13);
    const whole = await pool(input, dims);
    const tiled = await runTiled(input, dims, 64, 16, 1 / 8, 1, pool);
    expect(tiled.dims).toEqual([1, 1, 12, 20]);
    for (let i = 0; i < whole.length; i++) expect(tiled.data[i]).toBeCloseTo(whole[i], 5);
  });
});
