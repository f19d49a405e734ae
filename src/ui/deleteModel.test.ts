import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { JobCancelledError } from "../errors";
import type { StorageReport } from "../protocol";
import { fakeEngine } from "./fakeEngine";
import { createAppStore } from "./store";

const TINY_MANIFEST = readFileSync(new URL("../../public/models/tiny-shapes/model.json", import.meta.url), "utf8");

afterEach(() => vi.unstubAllGlobals());

function setup() {
  // the built-in model's folder, as the page would fetch it
  vi.stubGlobal("location", new URL("http://app.test/"));
  vi.stubGlobal("fetch", async () => new Response(TINY_MANIFEST));
  vi.stubGlobal("navigator", {});
  const { engine } = fakeEngine();
  let finishDelete = () => undefined as void;
  const report: StorageReport = { cache: true, models: [{ modelId: "sd-turbo", bytes: 2_583_000_000, done: 6, verified: 6, total: 6 }] };
  const store = createAppStore({
    engine: {
      ...engine,
      // the worker takes its time: the page must not wait for it to update the row and the selection
      deleteModel: () => new Promise<void>((resolve) => (finishDelete = resolve)),
      storage: async () => report,
      // a download runs until it is paused (cancelled), as the worker's does
      download: () => {
        let cancel = () => undefined as void;
        const done = new Promise<void>((_, reject) => (cancel = () => reject(new JobCancelledError())));
        return { id: "d", done, cancel: () => cancel() };
      },
    },
    model: { id: "tiny-shapes", name: "Tiny Shapes (built-in)", base: "http://app.test/models/tiny-shapes" },
  });
  return { store, report, finish: () => finishDelete() };
}

describe("deleting a model", () => {
  it("clears its row at once, selects the built-in model with a notice, and leaves no advice to finish its download", async () => {
    const { store, report, finish } = setup();
    await store.getState().selectModel("sd-turbo");
    await store.getState().refreshStorage();
    expect(store.getState().model.id).toBe("sd-turbo");

    const deleting = store.getState().deleteModel("sd-turbo");
    expect(store.getState().storage?.models.find((m) => m.modelId === "sd-turbo")).toMatchObject({ bytes: 0, done: 0 });
    await vi.waitFor(() => expect(store.getState().model.id).toBe("tiny-shapes"));
    expect(store.getState().manifest?.id).toBe("tiny-shapes");
    expect(store.getState().modelsNotice).toBe("SD-Turbo was deleted, so the built-in model is selected again.");

    report.models = [{ modelId: "sd-turbo", bytes: 0, done: 0, verified: 0, total: 6 }];
    finish();
    await deleting;
    expect(store.getState().storage?.models[0]).toMatchObject({ bytes: 0, done: 0 });
  });

  it("stops the model's download without leaving its row paused", async () => {
    const { store, finish } = setup();
    store.getState().downloadModel("sd-turbo");
    expect(store.getState().downloads["sd-turbo"]).toEqual({ state: "downloading" });
    const deleting = store.getState().deleteModel("sd-turbo");
    expect(store.getState().downloads["sd-turbo"]).toBeUndefined();
    finish();
    await deleting;
    await new Promise((r) => setTimeout(r, 0));
    expect(store.getState().downloads["sd-turbo"]).toBeUndefined();
    expect(store.getState().modelsNotice).toBeUndefined();
  });
});
