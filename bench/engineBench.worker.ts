/**
 * Browser side of bench/browser.ts: the engine as the app's worker runs it (same runtime, same ORT
 * files, previews and progress posted to the page with the same transfers), measured as in Node.
 */
import type * as Ort from "onnxruntime-common";
import { createEngine } from "../src/engine/engine";
import { fetchSource } from "../src/engine/fetchSource";
import { createWebRuntime } from "../src/engine/webRuntime";
import type { BackendChoice } from "../src/protocol";
import { clockParts, measureEngine, type EngineBenchOptions } from "./engineMeasure";
import { ORT_ASSETS } from "../workers/ortAssets";

export interface BrowserBenchRequest {
  modelBase: string;
  backend: BackendChoice;
  threads: number;
  options: EngineBenchOptions;
  sessionOptions: Ort.InferenceSession.SessionOptions;
}

self.onmessage = async (e: MessageEvent<BrowserBenchRequest>) => {
  const { modelBase, backend, threads, options, sessionOptions } = e.data;
  try {
    const t0 = performance.now();
    const runtime = await createWebRuntime(backend, ORT_ASSETS, { maxThreads: threads, sessionOptions });
    const clocks = clockParts(runtime);
    const engine = createEngine({ createRuntime: async () => runtime, openModel: async () => fetchSource(modelBase) });
    // full precision, as the app picks without shader-f16
    const target = { modelId: "tiny-shapes", modelBase, variant: "fp32", backend };
    await engine.load(target);
    const loadMs = performance.now() - t0;
    const result = await measureEngine(
      engine,
      target,
      clocks,
      options,
      ({ step, image }) => self.postMessage({ kind: "preview", step, image }, { transfer: [image.data.buffer as ArrayBuffer] }),
      (p) => self.postMessage({ kind: "progress", ...p }),
    );
    await engine.release();
    self.postMessage({
      kind: "result",
      result: {
        backend: runtime.backend.name,
        reason: runtime.backend.reason,
        threads: runtime.backend.threads,
        loadMs: +loadMs.toFixed(0),
        ...result,
      },
    });
  } catch (err) {
    self.postMessage({ kind: "error", error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  }
};
