import "fake-indexeddb/auto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createStore } from "idb-keyval";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHub, tinyShapesRepos, type Hub } from "../e2e/hub/server";
import { readManifest, type ModelSource } from "../src/engine/loadModel";
import { resolveCustomModel } from "../src/models/customModel";
import { parseModelRef } from "../src/models/customModelRef";
import { hubReader } from "../src/models/customModelHub";
import { openCustomModelStore } from "../src/models/customModelStore";
import type { GenerateJob, WorkerEvent } from "../src/protocol";
import { createNodeRuntime } from "../src/engine/nodeRuntime";
import { createWeightCache } from "../src/storage/weightCache";
import { fakeDeps, settledEvent } from "./fakeDeps";
import { createHandler } from "./handler";
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
    expect(await readManifest(source)).toEqual(entry.manifest);
    expect((await source.read("unet/model.onnx"))[0]).toBe(0x08);

    await customModels?.delete(entry.manifest.id);
    await expect(models.sourceFor(job(entry.manifest.id))).rejects.toThrow(/custom model "custom--test--tiny-shapes" was removed; add it again/);
  });

  it("names a stored file that ONNX Runtime cannot parse, and downloading it again replaces just that file", async () => {
    // the handler's own custom-model store (the default database), as the UI shares it with the worker
    const customModels = await openCustomModelStore();
    const ref = parseModelRef("test/tiny-shapes", hub.url);
    const entry = await resolveCustomModel("test/tiny-shapes", ref, hubReader(ref.hubBase));
    await customModels?.put(entry);
    const cache = createWeightCache(createStore("worker-damaged-test-weights", "weights"));
    const events: WorkerEvent[] = [];
    const runtime = createNodeRuntime();
    const handle = createHandler(
      fakeDeps(async () => runtime, {
        openSource: () => {
          throw new Error("not the app's folder");
        },
        cache: Promise.resolve(cache),
      }),
      (e) => events.push(e),
    );
    const settled = (id: string) =>
      settledEvent(events, id, (e) => e.kind === "result" || e.kind === "error" || (e.kind === "download" && e.status.status === "done"));
    const id = entry.manifest.id;
    handle({ kind: "download", id: "d1", modelId: id, hubBase: hub.url });
    expect(await settled("d1")).toMatchObject({ status: { status: "done" } });

    // a copy cut short that nothing could check (stored before sizes were checked): complete, but unparsable
    const unet = await readFile(join(TINY, "unet/model.onnx"));
    const w = await cache.writer(id, "unet/model.onnx");
    await w.append(unet.subarray(0, 5000));
    await w.finish();
    handle({ kind: "generate", id: "g1", job: job(id) });
    const failed = await settled("g1");
    expect(failed).toMatchObject({ kind: "error", error: { name: "DamagedModelFileError", data: { modelId: id, file: "unet/model.onnx" } } });
    expect(failed.kind === "error" && failed.error.message).toMatch(
      /^unet\/model\.onnx of test\/tiny-shapes is damaged: it is not a whole ONNX model \(cut short\?\)\. The stored copy of unet\/model\.onnx is probably incomplete or damaged: open Models and choose "Download unet\/model\.onnx again" for test\/tiny-shapes\.$/,
    );

    hub.reset();
    handle({ kind: "download", id: "d2", modelId: id, hubBase: hub.url, again: "unet/model.onnx" });
    expect(await settled("d2")).toMatchObject({ status: { status: "done" } });
    expect(new Set(hub.requests().map((r) => r.path))).toEqual(new Set(["/test/tiny-shapes/resolve/main/unet/model.onnx"]));
    expect((await cache.stat(id, "unet/model.onnx"))?.bytes).toBe(unet.length);
    handle({ kind: "generate", id: "g2", job: job(id) });
    expect((await settled("g2")).kind).toBe("result");
    await customModels?.delete(id);
  }, 60_000);
});
