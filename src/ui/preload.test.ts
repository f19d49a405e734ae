import { describe, expect, it } from "vitest";
import { WebGPUUnavailableError } from "../errors";
import { fakeEngine, flush, tinyManifest } from "./fakeEngine";
import { preloadSelectedModel } from "./preload";
import { createAppStore } from "./store";

/** The target fields every preload of the store's model carries. */
const M = { modelId: "m", modelBase: "http://x/m", hubBase: "https://huggingface.co" };

function setup() {
  const { engine, preloads, preloadEnds } = fakeEngine();
  const store = createAppStore({ engine, model: { id: "m", name: "M", base: "http://x/m" } });
  store.getState().setManifest(tinyManifest());
  const stop = preloadSelectedModel(store, engine);
  return { store, preloads, preloadEnds, stop };
}

describe("preloadSelectedModel", () => {
  it("preloads the selected model at start, on the form's backend, with no variant until one is chosen", async () => {
    const { preloads } = setup();
    expect(preloads).toEqual([]); // not before the store has settled
    await flush();
    expect(preloads).toEqual([{ ...M, backend: "auto" }]);
  });

  it("preloads again when the variant or the backend changes, not when the prompt does", async () => {
    const { store, preloads } = setup();
    await flush();
    store.getState().setParam("prompt", "a red star");
    await flush();
    expect(preloads).toHaveLength(1);
    store.getState().setVariant("fp16");
    await flush();
    store.getState().setBackendChoice("wasm");
    await flush();
    expect(preloads.slice(1)).toEqual([
      { ...M, backend: "auto", variant: "fp16" },
      { ...M, backend: "wasm", variant: "fp16" },
    ]);
  });

  it("sends one preload for several changes made together, for where they end, and none after it stops", async () => {
    const { store, preloads, stop } = setup();
    await flush();
    store.getState().setVariant("fp16");
    store.getState().setBackendChoice("wasm");
    store.getState().setVariant("fp32");
    await flush();
    expect(preloads.slice(1)).toEqual([{ ...M, backend: "wasm", variant: "fp32" }]);
    stop();
    store.getState().setBackendChoice("auto");
    await flush();
    expect(preloads).toHaveLength(2);
  });

  it("keeps the backend badge to what the worker reported: cleared when WebGPU was asked for and is missing", async () => {
    const { store, preloadEnds } = setup();
    await flush();
    const wasm = { name: "wasm" as const, reason: "WASM fallback", threads: 1, shaderF16: false };
    preloadEnds[0].finish({ status: "done", modelId: "m", variant: "fp32", backend: wasm });
    await flush();
    expect(store.getState().backend?.name).toBe("wasm");
    store.getState().setBackendChoice("webgpu");
    await flush();
    preloadEnds[1].fail(new WebGPUUnavailableError("WebGPU was requested, but no GPU adapter is available."));
    await flush();
    expect(store.getState().backend).toBeUndefined();
    expect(store.getState().backendProblem).toEqual({
      name: "WebGPUUnavailableError",
      message: "WebGPU was requested, but no GPU adapter is available.",
    });
  });
});
