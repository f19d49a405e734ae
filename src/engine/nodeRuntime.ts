import { readFile } from "node:fs/promises";
import { join } from "node:path";
import * as ortNode from "onnxruntime-node";
import type { ModelManifest } from "../manifest";
import { readManifest, type ModelSource } from "./loadModel";
import { Runtime, type ModelSession, type OrtTensor } from "./runtime";

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

/** A reference input as the PyTorch reference scripts write it: plain numbers and their shape. */
export interface ReferenceTensor {
  dims: number[];
  data: number[];
}

/** A session's feeds from a PyTorch reference's inputs, each as the integer or float type the graph declares. */
export function referenceFeeds(runtime: Runtime, session: ModelSession, inputs: Record<string, ReferenceTensor>): Record<string, OrtTensor> {
  return Object.fromEntries(
    Object.entries(inputs).map(([name, t]): [string, OrtTensor] => {
      const type = session.inputs.find((i) => i.name === name)?.type;
      if (type === "int32") return [name, runtime.tensor("int32", Int32Array.from(t.data), t.dims)];
      if (type === "int64") return [name, runtime.tensor("int64", BigInt64Array.from(t.data, BigInt), t.dims)];
      return [name, runtime.tensor("float32", Float32Array.from(t.data), t.dims)];
    }),
  );
}
