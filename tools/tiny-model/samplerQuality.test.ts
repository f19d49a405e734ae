import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeRuntime } from "../../src/engine/nodeRuntime";
import { SAMPLER_NAMES } from "../../src/params";
import { evaluate, loadTinyModel, type TinyModel } from "./evaluate";

/** Every sampler makes sensible images with the built-in model: colours follow the prompt. */
const runtime = createNodeRuntime(2);
let model: TinyModel;

describe("sampler quality on the built-in model (20 steps, guidance 4)", () => {
  beforeAll(async () => {
    model = await loadTinyModel(runtime);
  });
  afterAll(() => model.engine.release());

  for (const sampler of SAMPLER_NAMES) {
    it(`${sampler} keeps the background colour right`, async () => {
      const acc = await evaluate(model, { sampler, n: 6, steps: 20, guidance: 4 });
      expect(acc.background).toBeGreaterThanOrEqual(5 / 6);
    });
  }
});
