import "fake-indexeddb/auto";
import { join } from "node:path";
import { createStore } from "idb-keyval";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHub, tinyShapesRepos, type Hub } from "../e2e/hub/server";
import type { ModelSource } from "../src/engine/loadModel";
import { parseManifest } from "../src/manifest";
import { resolveCustomModel } from "../src/models/customModel";
import { parseModelRef } from "../src/models/customModelRef";
import { hubReader } from "../src/models/customModelHub";
import { openCustomModelStore } from "../src/models/customModelStore";
import type { GenerateJob, WorkerEvent } from "../src/protocol";
import { createWeightCache } from "../src/storage/weightCache";
import { createModels } from "./models";

const TINY = join(__dirname, "../public/models/tiny-shapes");
let hub: Hub;

beforeAll(async () => {
  hub = await startHub({ root: TINY, repos: tinyShapesRepos(TINY) });
});
afterAll(() => hub.close());

const job = (modelId: string): GenerateJob => ({
  modelId,
  modelBase: "http://unused",
  backend: "wasm",
  previews: false,
  params: { prompt: "a star", negativePrompt: "", steps: 1, guidance: 1, seed: 1, width: 64, height: 64, sampler: "Euler" },
});

describe("worker models", () => {
  it("downloads, reports and serves a custom model the UI added to the shared store", async () => {
    const customModels = await openCustomModelStore("worker-models-test");
    const ref = parseModelRef("test/tiny-shapes", hub.url);
    const entry = await resolveCustomModel("test/tiny-shapes", ref, hubReader(ref.hubBase));
    await customModels?.put(entry);
    const events: WorkerEvent[] = [];
    const cache = createWeightCache(createStore("worker-models-test-weights", "weights"));
    const openSource = (): ModelSource => {
      throw new Error("a custom model is never read from the app's folder");
    };
    const models = createModels(Promise.resolve(cache), openSource, (e) => events.push(e), Promise.resolve(customModels));

    // the hub setting passed here is not used: the entry downloads from the hub it was found on
    await models.download("d", entry.manifest.id, undefined, "http://127.0.0.1:9", new AbortController().signal);
    expect(events.at(-1)).toEqual({ kind: "download", id: "d", status: { status: "done", modelId: "custom--test--tiny-shapes" } });
    await models.storage("s");
    const report = events.at(-1);
    expect(report?.kind === "storage" && report.report.models.find((m) => m.modelId === entry.manifest.id)).toMatchObject({ done: 6, total: 6 });

    const source = await models.sourceFor(job(entry.manifest.id));
    expect(parseManifest(JSON.parse(new TextDecoder().decode(await source.read("model.json"))))).toEqual(entry.manifest);
    expect((await source.read("unet/model.onnx"))[0]).toBe(0x08);

    await customModels?.delete(entry.manifest.id);
    await expect(models.sourceFor(job(entry.manifest.id))).rejects.toThrow(/custom model "custom--test--tiny-shapes" was removed; add it again/);
  });
});
