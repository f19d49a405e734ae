import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GenerateParams } from "../params";
import { outpaintCanvas } from "./canvas";
import { loadModel, type LoadedModel } from "./loadModel";
import { createNodeRuntime, openModelFolder } from "./nodeRuntime";
import { generate, type RgbaImage } from "./pipeline";
import { decodeLatents, encodeImage } from "./vae/vae";

const folder = join(__dirname, "../../public/models/tiny-shapes");
const { manifest, source } = await openModelFolder(folder);
const runtime = createNodeRuntime();
let model: LoadedModel;

/** A test picture in the model's world: flat-coloured discs and boxes on a background. */
function picture(width: number, height: number): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      const inDisc = (x - width * 0.3) ** 2 + (y - height * 0.35) ** 2 < (width * 0.18) ** 2;
      const inBox = x > width * 0.55 && x < width * 0.85 && y > height * 0.5 && y < height * 0.85;
      const rgb = inDisc ? [220, 40, 40] : inBox ? [240, 220, 40] : [40, 80, 220];
      data.set([...rgb, 255], o);
    }
  }
  return { width, height, data };
}

function meanAbs(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (i % 4 === 3) continue;
    s += Math.abs(a[i] - b[i]);
    n++;
  }
  return s / n / 255;
}

const base: GenerateParams = {
  prompt: "a green star on a white background",
  negativePrompt: "",
  steps: 10,
  guidance: 4,
  seed: 5,
  width: 64,
  height: 64,
  sampler: "Euler",
};

describe("image editing on the built-in model", () => {
  beforeAll(async () => {
    model = await loadModel(manifest, manifest.variants[0], source, runtime);
  });
  afterAll(() => model.release());

  // The built-in VAE normalises each pixel over its channels (no whole-image statistics), so a tile's
  // pixels are the whole run's up to the convolutions' reach, which the overlap and blending cover.
  it("tiled VAE decode matches the whole decode at 256×256 without a visible seam", async () => {
    const latent = await encodeImage(model, runtime, picture(256, 256));
    const dims = [1, 4, 32, 32] as const;
    const whole = await decodeLatents(model, runtime, latent, dims, { mode: "off", tile: 32, overlap: 0 });
    const tiled = await decodeLatents(model, runtime, latent, dims, { mode: "on", tile: 16, overlap: 8 });
    expect(meanAbs(whole.data, tiled.data)).toBeLessThanOrEqual(1 / 255);
    // tiles start at latent 0 and 16: compare the difference on the seam band with elsewhere
    let seam = 0;
    let rest = 0;
    for (let y = 0; y < 256; y++) {
      for (let x = 0; x < 256; x++) {
        const o = (y * 256 + x) * 4;
        const d = Math.max(...[0, 1, 2].map((c) => Math.abs(whole.data[o + c] - tiled.data[o + c])));
        if (Math.abs(x - 128) < 4 || Math.abs(y - 128) < 4) seam = Math.max(seam, d);
        else rest = Math.max(rest, d);
      }
    }
    expect(seam).toBeLessThanOrEqual(Math.max(2 * rest, 2));
  });

  it("tiled VAE encode matches the whole encode at 256×256", async () => {
    const img = picture(256, 256);
    const dims = [1, 4, 32, 32] as const;
    const whole = await encodeImage(model, runtime, img, { mode: "off", tile: 32, overlap: 0 });
    const tiled = await encodeImage(model, runtime, img, { mode: "on", tile: 16, overlap: 8 });
    const off = { mode: "off", tile: 32, overlap: 0 } as const;
    const a = await decodeLatents(model, runtime, whole, dims, off);
    const b = await decodeLatents(model, runtime, tiled, dims, off);
    expect(meanAbs(a.data, b.data)).toBeLessThanOrEqual(1 / 255);
  });

  it("img2img at strength 0 returns the source after a VAE round trip", async () => {
    const src = picture(64, 64);
    const r = await generate(model, runtime, base, {}, { init: { image: src, strength: 0 } });
    const roundTrip = await decodeLatents(model, runtime, await encodeImage(model, runtime, src), [1, 4, 8, 8]);
    expect(Buffer.from(r.image.data).equals(Buffer.from(roundTrip.data))).toBe(true);
  });

  it("img2img runs diffusers' timestep subset and low strength stays close to the source", async () => {
    const src = picture(64, 64);
    // a prompt that describes the source, as when refining: one that contradicts it at guidance 4 repaints
    // even at low strength (the guided step overshoots), which says nothing about strength
    const refine = { ...base, prompt: "a red circle on a blue background" };
    const steps: number[] = [];
    const low = await generate(model, runtime, refine, { onProgress: (p) => steps.push(p.step) }, { init: { image: src, strength: 0.3 } });
    expect(steps).toEqual([1, 2, 3]); // int(10 · 0.3) steps
    const high = await generate(model, runtime, refine, {}, { init: { image: src, strength: 1 } });
    expect(meanAbs(low.image.data, src.data)).toBeLessThan(meanAbs(high.image.data, src.data));
  });

  it("img2img at strength 1 all but ignores the source", async () => {
    const a = await generate(model, runtime, base, {}, { init: { image: picture(64, 64), strength: 1 } });
    const other = picture(64, 64);
    other.data.forEach((v, i) => (other.data[i] = i % 4 === 3 ? 255 : 255 - v));
    const b = await generate(model, runtime, base, {}, { init: { image: other, strength: 1 } });
    const txt = await generate(model, runtime, base);
    expect(meanAbs(a.image.data, b.image.data)).toBeLessThan(0.1);
    expect(meanAbs(a.image.data, txt.image.data)).toBeLessThan(0.1);
  });

  it("refuses a strength that runs no step, saying how to fix it", async () => {
    await expect(generate(model, runtime, { ...base, steps: 2 }, {}, { init: { image: picture(64, 64), strength: 0.3 } })).rejects.toThrow(
      /steps × strength must be at least 1/,
    );
  });

  it("inpainting changes only the masked area: outside the grown mask pixels equal the source", async () => {
    const src = picture(64, 64);
    const mask = new Uint8Array(64 * 64);
    for (let y = 16; y < 48; y++) for (let x = 16; x < 48; x++) mask[y * 64 + x] = 255;
    const r = await generate(model, runtime, base, {}, { init: { image: src, strength: 1, mask, maskBlur: 4 } });
    let outsideMax = 0;
    let insideSum = 0;
    for (let y = 0; y < 64; y++) {
      for (let x = 0; x < 64; x++) {
        const far = x < 16 - 8 || x >= 48 + 8 || y < 16 - 8 || y >= 48 + 8;
        const inside = x >= 20 && x < 44 && y >= 20 && y < 44;
        for (let c = 0; c < 3; c++) {
          const d = Math.abs(r.image.data[(y * 64 + x) * 4 + c] - src.data[(y * 64 + x) * 4 + c]);
          if (far) outsideMax = Math.max(outsideMax, d);
          if (inside) insideSum += d;
        }
      }
    }
    expect(outsideMax).toBeLessThanOrEqual(2);
    expect(insideSum / (24 * 24 * 3)).toBeGreaterThan(10);
  });

  it("outpainting to the right by 64 px keeps the source and fills the new area", async () => {
    const src = picture(64, 64);
    const { image, mask } = outpaintCanvas(src, { left: 0, right: 64, top: 0, bottom: 0 });
    const r = await generate(model, runtime, { ...base, width: 128 }, {}, { init: { image, strength: 1, mask } });
    expect(r.image.width).toBe(128);
    for (let y = 0; y < 64; y++) {
      for (let x = 0; x < 40; x++) {
        for (let c = 0; c < 3; c++) expect(r.image.data[(y * 128 + x) * 4 + c]).toBe(src.data[(y * 64 + x) * 4 + c]);
      }
    }
  });
});
