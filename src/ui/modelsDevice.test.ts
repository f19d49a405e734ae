import { describe, expect, it, vi } from "vitest";
import { DownloadOfflineError } from "../storage/errors";
import { fakeEngine, flush } from "./fakeEngine";
import { createAppStore } from "./store";

const MODEL = { id: "tiny-shapes", name: "Tiny Shapes (built-in)", base: "http://app.test/models/tiny-shapes" };

describe("the model picker and this device", () => {
  it("refuses to use a half-precision-only model where WebGPU is missing, saying why", async () => {
    const { engine } = fakeEngine();
    const store = createAppStore({ engine, model: MODEL });
    await store.getState().probeDevice();
    await store.getState().selectModel("sd-turbo");
    expect(store.getState().model.id).toBe("tiny-shapes");
    expect(store.getState().modelsError).toBe(
      "SD-Turbo cannot run on this device. Needs WebGPU with half precision (shader-f16); here no GPU adapter is available.",
    );
  });

  it("resumes a download that stopped for being offline when the browser is online again", async () => {
    const { engine } = fakeEngine();
    const online = new EventTarget();
    vi.stubGlobal("addEventListener", online.addEventListener.bind(online));
    vi.stubGlobal("navigator", { onLine: false });
    let tries = 0;
    const store = createAppStore({
      engine: {
        ...engine,
        download: () => {
          tries += 1;
          const done = tries === 1 ? Promise.reject(DownloadOfflineError.of("SD-Turbo: unet/model.onnx", 0)) : Promise.resolve();
          return { id: `d${tries}`, done, cancel: () => undefined };
        },
      },
      model: MODEL,
    });
    store.getState().downloadModel("sd-turbo");
    await flush();
    expect(store.getState().downloads["sd-turbo"]).toMatchObject({ state: "failed", message: expect.stringMatching(/this device is offline/) });
    online.dispatchEvent(new Event("online"));
    await flush();
    expect(tries).toBe(2);
    expect(store.getState().downloads["sd-turbo"]).toBeUndefined();
    vi.unstubAllGlobals();
  });
});
