/** The Node side of the engine benches: the built-in model on onnxruntime-node (bench/engine.ts, bench/browser.ts). */
import { join } from "node:path";
import { createEngine } from "../src/engine/engine";
import { createNodeRuntime, diskSource } from "../src/engine/nodeRuntime";
import { clockParts, measureEngine, type EngineBenchOptions, type EngineMeasurement } from "./engineMeasure";

export async function measureNode(threads: number, opts: EngineBenchOptions): Promise<EngineMeasurement & { threads: number }> {
  const folder = join(import.meta.dirname, "../public/models/tiny-shapes");
  const runtime = createNodeRuntime(threads);
  const clocks = clockParts(runtime);
  const engine = createEngine({ createRuntime: async () => runtime, openModel: async () => diskSource(folder) });
  try {
    const target = { modelId: "tiny-shapes", modelBase: folder, backend: "wasm" as const };
    return { threads, ...(await measureEngine(engine, target, clocks, opts, () => undefined)) };
  } finally {
    await engine.release();
  }
}
