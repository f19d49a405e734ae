import "fake-indexeddb/auto";
import path from "node:path";
import { createStore } from "idb-keyval";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHub, tinyShapesXlRepos, type Hub } from "../../e2e/hub/server";
import { ShaderF16UnsupportedError } from "../errors";
import { loadModel, pickVariant } from "../engine/loadModel";
import { createNodeRuntime } from "../engine/nodeRuntime";
import { generate } from "../engine/pipeline";
import { CATALOG, findEntry, hubDownloads, type HubCatalogEntry } from "../models/catalog";
import { cachedSource, downloadState } from "./cachedSource";
import { downloadModel } from "./downloader";
import { createWeightCache } from "./weightCache";

/** The webnn/sdxl-turbo catalog entry's layout, served from the local hub with the tiny SDXL-interface model's files. */
const XL = path.resolve("public/models/tiny-shapes-xl");
const catalogEntry = findEntry(CATALOG, "sdxl-turbo") as HubCatalogEntry;
/** The catalog entry as is, except the padding id: CLIP's end token (49407) is not in the tiny vocabulary. */
const entry: HubCatalogEntry = {
  ...catalogEntry,
  manifest: {
    ...catalogEntry.manifest,
    tokenizer: { ...catalogEntry.manifest.tokenizer, padId: 0 },
    textEncoders: catalogEntry.manifest.textEncoders?.map((e) => ({ ...e, tokenizer: e.tokenizer && { ...e.tokenizer, padId: 0 } })),
  },
};
let hub: Hub;

beforeAll(async () => {
  hub = await startHub({ root: XL, repos: tinyShapesXlRepos(XL) });
});
afterAll(() => hub.close());

describe("SDXL-Turbo (webnn/sdxl-turbo layout) from the hub", () => {
  it("lists both text encoders' files and one tokenizer", () => {
    expect(hubDownloads(entry, "q4f16", "https://hub.test").map((d) => d.url)).toEqual([
      "https://hub.test/openai/clip-vit-large-patch14/resolve/main/tokenizer.json",
      "https://hub.test/webnn/sdxl-turbo/resolve/main/text_encoder_model_q4f16.onnx",
      "https://hub.test/webnn/sdxl-turbo/resolve/main/text_encoder_2_model_q4f16.onnx",
      "https://hub.test/webnn/sdxl-turbo/resolve/main/unet_model_q4f16.onnx",
      "https://hub.test/webnn/sdxl-turbo/resolve/main/vae_decoder_model_q4f16.onnx",
    ]);
  });

  it("downloads into the cache, loads through the SDXL path and generates", async () => {
    const cache = createWeightCache(createStore("sdxl-hub-test", "weights"), { chunkBytes: 1024 * 1024 });
    await downloadModel(cache, entry, "q4f16", hub.url);
    expect(await downloadState(cache, entry, "q4f16")).toMatchObject({ done: 5, total: 5, missing: [] });

    const runtime = createNodeRuntime();
    // the real model needs shader-f16; the tiny stand-in computes in fp32, so load the variant directly
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
        steps: 2,
        guidance: 0,
        seed: 1,
        width: 64,
        height: 64,
        sampler: "Euler a",
      });
      expect(result.image.data.length).toBe(64 * 64 * 4);
    } finally {
      await model.release();
    }
  });
});
