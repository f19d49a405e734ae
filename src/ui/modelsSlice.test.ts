import "fake-indexeddb/auto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHub, tinyShapesRepos, type Hub } from "../../e2e/hub/server";
import { fakeEngine } from "./fakeEngine";
import { createAppStore } from "./store";

const TINY = join(__dirname, "../../public/models/tiny-shapes");
let hub: Hub;

beforeAll(async () => {
  hub = await startHub({ root: join(__dirname, "../models/__fixtures__"), repos: tinyShapesRepos(TINY) });
});
afterAll(() => hub.close());

function setup() {
  const { engine } = fakeEngine();
  const deleted: string[] = [];
  const store = createAppStore({
    engine: { ...engine, deleteModel: async (id) => void deleted.push(id) },
    model: { id: "tiny-shapes", name: "Tiny Shapes (built-in)", base: "http://app.test/models/tiny-shapes" },
  });
  store.getState().setHubBase(hub.url);
  return { store, deleted };
}

describe("custom models in the store", () => {
  it("adds a repo from the hub, keeps it across stores (reloads), selects and removes it", async () => {
    const { store, deleted } = setup();
    expect(await store.getState().addCustomModel("test/tiny-shapes")).toBe(true);
    const [entry] = store.getState().customModels;
    expect(entry.manifest).toMatchObject({ id: "custom--test--tiny-shapes", name: "test/tiny-shapes" });
    expect(entry.source.base).toBe(hub.url);
    expect(store.getState()).toMatchObject({ addingCustomModel: undefined, customModelError: undefined });

    const reloaded = setup().store;
    await reloaded.getState().loadCustomModels();
    expect(reloaded.getState().customModels.map((e) => e.manifest.id)).toEqual(["custom--test--tiny-shapes"]);
    await reloaded.getState().selectModel("custom--test--tiny-shapes");
    expect(reloaded.getState().model).toEqual({ id: "custom--test--tiny-shapes", name: "test/tiny-shapes", base: hub.url });
    expect(reloaded.getState().manifest?.id).toBe("custom--test--tiny-shapes");

    await store.getState().removeCustomModel("custom--test--tiny-shapes");
    expect(deleted).toEqual(["custom--test--tiny-shapes"]);
    expect(store.getState().customModels).toEqual([]);
    const again = setup().store;
    await again.getState().loadCustomModels();
    expect(again.getState().customModels).toEqual([]);
  });

  it("says why input cannot be added, and keeps the models it has", async () => {
    const { store } = setup();
    expect(await store.getState().addCustomModel(`${hub.url}/test/tiny-shapes-diffusers`)).toBe(true);
    for (const [input, message] of [
      ["a model please", /"a model please" is not a repo id/],
      ["nobody/nothing", /the hub has no such repository/],
      ["http://127.0.0.1:9/a/b", /http:\/\/127\.0\.0\.1:9 could not be reached/],
    ] as const) {
      expect(await store.getState().addCustomModel(input)).toBe(false);
      expect(store.getState().customModelError).toMatch(message);
    }
    expect(store.getState().customModels.map((e) => e.manifest.name)).toEqual(["test/tiny-shapes-diffusers"]);
    await store.getState().removeCustomModel("custom--test--tiny-shapes-diffusers");
  });
});
