/** The Node side of the engine benches: the built-in model on onnxruntime-node (bench/engine.ts, bench/browser.ts). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadModel } from "../src/engine/loadModel";
import { createNodeRuntime, diskSource } from "../src/engine/nodeRuntime";
import { parseManifest } from "../src/manifest";
import { measureEngine, type EngineBenchOptions, type EngineMeasurement } from "./engineMeasure";

export async function measureNode(threads: number, opts: EngineBenchOptions): Promise<EngineMeasurement & { threads: number }> {
  const folder = join(import.meta.dirname, "../public/models/tiny-shapes");
  const manifest = parseManifest(JSON.parse(readFileSync(join(folder, "model.json"), "utf8")));
  const runtime = createNodeRuntime(threads);
  const model = await loadModel(manifest, manifest.variants[0], diskSource(folder), runtime);
  try {
    return { threads, ...(await measureEngine(model, runtime, opts, () => undefined)) };
  } finally {
    await model.release();
  }
}
