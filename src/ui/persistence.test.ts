import { describe, expect, it, vi } from "vitest";
import type { StateStorage } from "zustand/middleware";
import { fakeEngine, tinyManifest } from "./fakeEngine";
import { forgivingStorage, SETTINGS_KEY } from "./persistence";
import { createAppStore } from "./store";

const MODEL = { id: "m", name: "M", base: "http://x/m" };

function memoryStorage(): StateStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
}

/** A page load: a fresh store over the same storage, then the model's manifest as bootstrap loads it. */
function load(storage: StateStorage) {
  const { engine, started } = fakeEngine();
  const store = createAppStore({ engine, model: MODEL, settingsStorage: storage });
  store.getState().setManifest(tinyManifest());
  return { store, started };
}

describe("settings across reloads", () => {
  it("brings back prompt, negative prompt, sampler, steps, size, seed, batch count and backend", () => {
    const storage = memoryStorage();
    const first = load(storage).store.getState();
    first.setParam("prompt", "a red star");
    first.setParam("negativePrompt", "blurry");
    first.setParam("sampler", "DDIM");
    first.setParam("steps", 7);
    first.setParam("width", 48);
    first.setParam("seed", 99);
    first.setBatchCount(3);
    first.setBackendChoice("wasm");

    const again = load(storage).store.getState();
    expect(again.params).toMatchObject({ prompt: "a red star", negativePrompt: "blurry", sampler: "DDIM", steps: 7, width: 48, seed: 99 });
    expect(again.batchCount).toBe(3);
    expect(again.backendChoice).toBe("wasm");
  });

  it("starts another model from that model's defaults", () => {
    const storage = memoryStorage();
    load(storage).store.getState().setParam("steps", 7);
    const { store } = load(storage);
    store.getState().setManifest({ ...tinyManifest(), id: "other" });
    expect(store.getState().params.steps).toBe(tinyManifest().defaults.steps);
  });

  it("keeps the fields that still have their shape and drops the rest", () => {
    const storage = memoryStorage();
    storage.setItem(
      SETTINGS_KEY,
      JSON.stringify({
        state: { params: { prompt: 5, steps: 9 }, paramsModelId: tinyManifest().id, backendChoice: "cuda", batchCount: "2" },
        version: 0,
      }),
    );
    const s = load(storage).store.getState();
    expect(s.params.prompt).toBe("");
    expect(s.params.steps).toBe(9);
    expect(s.backendChoice).toBe("auto");
    expect(s.batchCount).toBe(1);
  });

  it("offers the jobs that had not run, and runs them again with their seeds only when asked", () => {
    const storage = memoryStorage();
    const first = load(storage).store;
    first.getState().setParam("seed", 10);
    first.getState().setBatchCount(3);
    first.getState().generate();

    const { store, started } = load(storage);
    expect(started).toHaveLength(0);
    expect(store.getState().interrupted.map((j) => j.params.seed)).toEqual([10, 11, 12]);
    store.getState().rerunInterrupted();
    expect(store.getState().interrupted).toEqual([]);
    expect([store.getState().current, ...store.getState().queue].map((j) => j?.params.seed)).toEqual([10, 11, 12]);
  });

  it("works on, without keeping anything, where the browser refuses storage", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const refused = forgivingStorage(() => {
      throw new DOMException("The operation is insecure.", "SecurityError");
    });
    const { store } = load(refused);
    store.getState().setParam("prompt", "still works");
    expect(store.getState().params.prompt).toBe("still works");
    expect(warn).toHaveBeenCalledTimes(1);
    warn.mockRestore();
  });

  it("writes the settings only when their text changes, not on every change of the store", () => {
    const data = new Map<string, string>();
    const setItem = vi.fn((k: string, v: string) => void data.set(k, v));
    const browser = { getItem: (k: string) => data.get(k) ?? null, setItem, removeItem: (k: string) => void data.delete(k) } as unknown as Storage;
    const { store } = load(forgivingStorage(() => browser));
    store.getState().setParam("prompt", "a red star");
    const writes = setItem.mock.calls.length;
    expect(JSON.parse(data.get(SETTINGS_KEY) ?? "{}").state.params.prompt).toBe("a red star");
    // a change outside the settings, as every generation step's progress is
    store.setState({ batchCount: store.getState().batchCount });
    store.setState({});
    expect(setItem).toHaveBeenCalledTimes(writes);
    store.getState().setParam("prompt", "a blue circle");
    expect(setItem).toHaveBeenCalledTimes(writes + 1);
    expect(JSON.parse(data.get(SETTINGS_KEY) ?? "{}").state.params.prompt).toBe("a blue circle");
  });
});
