import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GenerateParams } from "../params";
import { loadModel, type LoadedModel } from "./loadModel";
import { createNodeRuntime, openModelFolder } from "./nodeRuntime";
import { generate } from "./pipeline";

const folder = join(__dirname, "../../public/models/tiny-shapes");
const { manifest, source } = await openModelFolder(folder);
const runtime = createNodeRuntime();
let model: LoadedModel;

const base: GenerateParams = {
  prompt: "a red star on a blue background",
  negativePrompt: "",
  steps: 6,
  guidance: 4,
  seed: 42,
  width: 64,
  height: 64,
  sampler: "Euler",
};

function differingBytes(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

describe("generate with the built-in model (onnxruntime-node)", () => {
  beforeAll(async () => {
    model = await loadModel(manifest, manifest.variants[0], source, runtime);
  });
  afterAll(() => model.release());

  it("gives a bit-identical image for the same seed and a different one for another seed", async () => {
    const a = await generate(model, runtime, base);
    const b = await generate(model, runtime, base);
    const c = await generate(model, runtime, { ...base, seed: 43 });
    expect(a.image.width).toBe(64);
    expect(a.image.data.length).toBe(64 * 64 * 4);
    expect(differingBytes(a.image.data, b.image.data)).toBe(0);
    expect(differingBytes(a.image.data, c.image.data)).toBeGreaterThan(100);
  });

  it("runs with guidance 1 (single pass) and 4 (batch-2 guidance), which differ", async () => {
    const g1 = await generate(model, runtime, { ...base, guidance: 1 });
    const g4 = await generate(model, runtime, { ...base, guidance: 4 });
    expect(differingBytes(g1.image.data, g4.image.data)).toBeGreaterThan(100);
  });

  it("uses the negative prompt when guidance is on", async () => {
    const plain = await generate(model, runtime, base);
    const neg = await generate(model, runtime, { ...base, negativePrompt: "red" });
    expect(differingBytes(plain.image.data, neg.image.data)).toBeGreaterThan(100);
  });

  it("reports progress and a latent-size preview after every step", async () => {
    const steps: number[] = [];
    const previews: { w: number; h: number }[] = [];
    await generate(
      model,
      runtime,
      { ...base, width: 96, height: 64 },
      {
        onProgress: (p) => steps.push(p.step),
        onPreview: (p) => previews.push({ w: p.image.width, h: p.image.height }),
      },
    );
    expect(steps).toEqual([1, 2, 3, 4, 5, 6]);
    expect(previews).toHaveLength(6);
    expect(previews[0]).toEqual({ w: 12, h: 8 });
  });

  it("stops within one step when cancelled", async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const run = generate(
      model,
      runtime,
      { ...base, steps: 20 },
      {
        signal: controller.signal,
        onProgress: (p) => {
          seen.push(p.step);
          if (p.step === 2) controller.abort();
        },
      },
    );
    await expect(run).rejects.toThrow();
    expect(seen).toEqual([1, 2]);
  });
});
