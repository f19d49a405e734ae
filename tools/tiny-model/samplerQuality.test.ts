import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LoadedModel } from "../../src/engine/loadModel";
import { createNodeRuntime } from "../../src/engine/nodeRuntime";
import { SAMPLER_NAMES } from "../../src/params";
import { evaluate, loadTinyModel } from "./evaluate";

/** Every sampler makes sensible images with the built-in model: colours follow the prompt. */
const runtime = createNodeRuntime(2);
let model: LoadedModel;

describe("sampler quality on the built-in model (20 steps, guidance 4)", () => {
  beforeAll(async () => {
    model = await loadTinyModel(runtime);
  });
  afterAll(() => model.release());

  for (const sampler of SAMPLER_NAMES) {
    it(`${sampler} keeps the background colour right`, async () => {
      const acc = await evaluate(model, runtime, { sampler, n: 6, steps: 20, guidance: 4 });
      expect(acc.background).toBeGreaterThanOrEqual(5 / 6);
    });
  }
});
