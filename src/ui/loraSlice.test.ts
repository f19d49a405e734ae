import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import type { StateStorage } from "zustand/middleware";
import type { LoraAction, LoraInfo } from "../protocol";
import { fakeEngine } from "./fakeEngine";
import { modelTarget } from "./preload";
import { SETTINGS_KEY } from "./persistence";
import { createAppStore } from "./store";

function setup(settingsStorage?: StateStorage, stored: LoraInfo[] = []) {
  const { engine } = fakeEngine();
  const actions: LoraAction[] = [];
  engine.loras = async (action) => {
    actions.push(action);
    if (action.op === "add") stored.push({ name: action.name, bytes: action.data.length });
    return [...stored];
  };
  const store = createAppStore({ engine, model: { id: "tiny-shapes", name: "Tiny Shapes", base: "/models/tiny-shapes" }, settingsStorage });
  return { store, actions, stored };
}

const file = (name: string, bytes = 4) => ({ name, arrayBuffer: async () => new ArrayBuffer(bytes) });

describe("LoRA panel state", () => {
  it("adds a picked file as active at strength 1, and jobs and preloads name it", async () => {
    const { store } = setup();
    await store.getState().addLoraFile(file("detail.safetensors"));
    expect(store.getState().loras).toEqual([{ name: "detail", bytes: 4, active: true, strength: 1 }]);
    store.getState().setLora("detail", { strength: 0.6 });
    expect(modelTarget(store.getState()).loras).toEqual([{ name: "detail", strength: 0.6 }]);
    store.getState().setLora("detail", { active: false });
    expect(modelTarget(store.getState()).loras).toBeUndefined();
  });

  it("refuses a file or address that is not .safetensors without asking the worker", async () => {
    const { store, actions } = setup();
    await store.getState().addLoraFile(file("notes.txt"));
    expect(store.getState().loraError).toMatch(/notes\.txt is not a \.safetensors file/);
    await store.getState().addLoraUrl("https://example.com/page.html");
    expect(store.getState().loraError).toMatch(/is not the address of a \.safetensors file/);
    expect(actions).toEqual([]);
  });

  it("keeps which LoRAs are applied and their strengths across a reload; the worker's list then drops removed ones", async () => {
    const data = new Map<string, string>();
    const storage: StateStorage = {
      getItem: (k) => data.get(k) ?? null,
      setItem: (k, v) => void data.set(k, v),
      removeItem: (k) => void data.delete(k),
    };
    const first = setup(storage);
    for (const name of ["detail", "style", "gone"]) await first.store.getState().addLoraFile(file(`${name}.safetensors`));
    first.store.getState().setLora("detail", { strength: 0.6 });
    first.store.getState().setLora("style", { active: false, strength: -0.5 });

    const again = setup(storage, first.stored.slice(0, 2)).store;
    const choices = [
      { name: "detail", bytes: 4, active: true, strength: 0.6 },
      { name: "style", bytes: 4, active: false, strength: -0.5 },
    ];
    expect(again.getState().loras).toEqual([...choices, { name: "gone", bytes: 4, active: true, strength: 1 }]);
    // the first model load (before the panel lists the cache) already applies them
    expect(modelTarget(again.getState()).loras).toEqual([
      { name: "detail", strength: 0.6 },
      { name: "gone", strength: 1 },
    ]);
    await again.getState().refreshLoras();
    expect(again.getState().loras).toEqual(choices);
  });

  it("drops stored LoRA entries that do not have their shape", () => {
    const data = new Map<string, string>();
    const entries = [{ name: "ok", bytes: 1, active: true, strength: 0.5 }, { name: "bad", bytes: 1, active: "yes", strength: 1 }, { name: 3 }, "x"];
    data.set(SETTINGS_KEY, JSON.stringify({ state: { loras: entries }, version: 1 }));
    const storage: StateStorage = {
      getItem: (k) => data.get(k) ?? null,
      setItem: (k, v) => void data.set(k, v),
      removeItem: (k) => void data.delete(k),
    };
    expect(setup(storage).store.getState().loras).toEqual([{ name: "ok", bytes: 1, active: true, strength: 0.5 }]);
  });
});
