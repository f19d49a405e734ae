import "fake-indexeddb/auto";
import { createStore } from "idb-keyval";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHub, TWINS, type Hub } from "../../e2e/hub/server";
import { ShaderF16UnsupportedError } from "../errors";
import { loadModel, pickVariant } from "../engine/loadModel";
import { createNodeRuntime } from "../engine/nodeRuntime";
import { generate } from "../engine/pipeline";
import type { HubCatalogEntry } from "../hub/hubModel";
import { CATALOG, findEntry } from "../models/catalog";
import { cachedSource, downloadState } from "./cachedSource";
import { downloadModel } from "./downloader";
import { createWeightCache } from "./weightCache";

/** The webnn/sdxl-turbo catalog entry as shipped, served from the local hub with its twin's files (tools/twins/). */
const entry = findEntry(CATALOG, "sdxl-turbo") as HubCatalogEntry;
let hub: Hub;

beforeAll(async () => {
  hub = await startHub({ root: TWINS });
});
afterAll(() => hub.close());

describe("SDXL-Turbo (webnn/sdxl-turbo layout) from the hub", () => {
  it("downloads into the cache, loads through the SDXL path and generates", async () => {
    const cache = createWeightCache(createStore("sdxl-hub-test", "weights"), { chunkBytes: 1024 * 1024 });
    await downloadModel(cache, entry, "q4f16", hub.url);
    // two tokenizer folders of four files from stabilityai/sdxl-turbo, four graphs from webnn/sdxl-turbo's onnx/
    expect(await downloadState(cache, entry, "q4f16")).toMatchObject({ done: 12, total: 12, missing: [] });

    const runtime = createNodeRuntime();
    // the real model needs shader-f16; its twin computes in fp32 behind float16 inputs, so load the variant directly
    expect(() => pickVariant(entry.manifest, false)).toThrow(ShaderF16UnsupportedError);
    const model = await loadModel(entry.manifest, entry.manifest.variants[0], cachedSource(cache, entry, "q4f16"), runtime);
    try {
      expect(model.textEncoders.map((e) => e.spec.part)).toEqual(["text_encoder", "text_encoder_2"]);
      expect(model.unet.inputs.map((i) => [i.name, i.type])).toEqual([
        ["sample", "float16"],
        ["timestep", "float16"],
        ["encoder_hidden_states", "float16"],
        ["text_embeds", "float16"],
        ["time_ids", "float16"],
      ]);
      const result = await generate(model, runtime, {
        prompt: "a red star on a blue background",
        negativePrompt: "",
        steps: 1,
        guidance: 0,
        seed: 1,
        width: 512,
        height: 512,
        sampler: "Euler a",
      });
      expect(result.image.data.length).toBe(512 * 512 * 4);
    } finally {
      await model.release();
    }
  });
});
