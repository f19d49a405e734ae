import { readFile } from "node:fs/promises";
import { join } from "node:path";
import * as ortNode from "onnxruntime-node";
import type { ModelManifest } from "../manifest";
import { readManifest, type ModelSource } from "./loadModel";
import { Runtime } from "./runtime";

/** onnxruntime-node on the CPU: what the engine's tests and benchmarks run on; benches may add session options. */
export function createNodeRuntime(threads = 1, sessionOptions: ortNode.InferenceSession.SessionOptions = {}): Runtime {
  return new Runtime(
    { InferenceSession: ortNode.InferenceSession, Tensor: ortNode.Tensor },
    { name: "cpu", reason: `onnxruntime-node, ${threads} thread(s)`, threads, shaderF16: false, maxBufferBytes: 2 ** 30 },
    ["cpu"],
    { intraOpNumThreads: threads, interOpNumThreads: 1, ...sessionOptions },
  );
}

/** A model folder on disk; ONNX Runtime opens the files itself, external data included. */
export function diskSource(folder: string): ModelSource {
  return { read: async (path) => new Uint8Array(await readFile(join(folder, path))), locate: async (path) => join(folder, path) };
}

/** A model folder on disk with its manifest: what the engine's tests, benches and tools start from. */
export async function openModelFolder(folder: string): Promise<{ source: ModelSource; manifest: ModelManifest }> {
  const source = diskSource(folder);
  return { source, manifest: await readManifest(source) };
}
