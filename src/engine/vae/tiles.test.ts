import { describe, expect, it } from "vitest";
import { runTiled, tileStarts } from "./tiles";

describe("tileStarts", () => {
  it("covers the axis with tiles that overlap by at least the overlap", () => {
    const xs = tileStarts(72, 16, 4);
    const covered = new Uint8Array(72);
    for (const x of xs) covered.fill(1, x, x + 16);
    expect(covered.every((v) => v === 1)).toBe(true);
    for (let i = 1; i < xs.length; i++) expect(xs[i - 1] + 16 - xs[i]).toBeGreaterThanOrEqual(4);
    expect(xs.at(-1)).toBe(72 - 16);
  });

  it("uses one tile when the axis fits", () => {
    expect(tileStarts(8, 16, 4)).toEqual([0]);
  });

  it("starts on multiples of the unit (an encoder's tiles land on whole latents)", () => {
    const xs = tileStarts(768, 256, 64, 8);
    expect(xs.every((x) => x % 8 === 0)).toBe(true);
    expect(xs.at(-1)).toBe(768 - 256);
  });

  it("refuses an overlap as large as the tile", () => {
    expect(() => tileStarts(64, 8, 8)).toThrow(/overlap/);
  });
});

/** Runs runTiled into a whole [C,OH,OW] array, checking that every output value is emitted exactly once. */
async function tiled(
  input: Float32Array,
  dims: [number, number, number, number],
  tile: number,
  overlap: number,
  scale: number,
  channels: number,
  run: (x: Float32Array, d: [number, number, number, number]) => Promise<Float32Array>,
) {
  const OH = Math.round(dims[2] * scale);
  const OW = Math.round(dims[3] * scale);
  const out = new Float32Array(channels * OH * OW);
  const hits = new Uint8Array(OH * OW);
  await runTiled(input, dims, tile, overlap, scale, channels, run, (y, x, values, n) => {
    for (let i = 0; i < n; i++) {
      hits[y * OW + x + i] += 1;
      for (let c = 0; c < channels; c++) out[(c * OH + y) * OW + x + i] = values[c * n + i];
    }
  });
  expect(hits.every((h) => h === 1)).toBe(true);
  return out;
}

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
  const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

  it("blends tiles back to the whole-image result for a local operation", async () => {
    const dims = [1, 4, 20, 28] as [number, number, number, number];
    const input = Float32Array.from({ length: 4 * 20 * 28 }, (_, i) => Math.sin(i * 0.37));
    const whole = await upsample(input, dims);
    expect(maxDiff(whole, await tiled(input, dims, 12, 4, 8, 3, upsample))).toBeLessThan(1e-5);
  });

  it("blends where three tiles overlap one position (starts closer than half a tile)", async () => {
    const dims = [1, 2, 9, 57] as [number, number, number, number];
    expect(tileStarts(57, 32, 8)).toEqual([0, 13, 25]);
    const input = Float32Array.from({ length: 2 * 9 * 57 }, (_, i) => Math.cos(i * 0.11));
    const whole = await upsample(input, dims);
    expect(maxDiff(whole, await tiled(input, dims, 32, 8, 8, 3, upsample))).toBeLessThan(1e-5);
    const tall = [1, 2, 57, 9] as [number, number, number, number];
    expect(maxDiff(await upsample(input, tall), await tiled(input, tall, 32, 8, 8, 3, upsample))).toBeLessThan(1e-5);
  });

  it("downscales for an encoder (scale 1/8)", async () => {
    const pool = async (x: Float32Array, [, , h, w]: [number, number, number, number]) => {
      const out = new Float32Array((h / 8) * (w / 8));
      for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) out[Math.floor(y / 8) * (w / 8) + Math.floor(xx / 8)] += x[y * w + xx] / 64;
      return out;
    };
    const dims = [1, 1, 96, 200] as [number, number, number, number];
    const input = Float32Array.from({ length: 96 * 200 }, (_, i) => (i % 13) / 13);
    const whole = await pool(input, dims);
    // 200 px in 64 px tiles: unaligned starts (0, 45, 91, 136) would misplace latents; aligned ones are exact
    expect(maxDiff(whole, await tiled(input, dims, 64, 16, 1 / 8, 1, pool))).toBeLessThan(1e-5);
  });
});
