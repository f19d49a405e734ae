import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import type { LoraAction, LoraInfo } from "../protocol";
import { fakeEngine } from "./fakeEngine";
import { modelTarget } from "./preload";
import { createAppStore } from "./store";

function setup() {
  const { engine } = fakeEngine();
  const stored: LoraInfo[] = [];
  const actions: LoraAction[] = [];
  engine.loras = async (action) => {
    actions.push(action);
    if (action.op === "add") stored.push({ name: action.name, bytes: action.data.length });
    return [...stored];
  };
  const store = createAppStore({ engine, model: { id: "tiny-shapes", name: "Tiny Shapes", base: "/models/tiny-shapes" } });
  return { store, actions };
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
});
