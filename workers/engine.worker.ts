import plainMjs from "onnxruntime-web/ort-wasm-simd-threaded.mjs?url";
import plainWasm from "onnxruntime-web/ort-wasm-simd-threaded.wasm?url";
import jsepMjs from "onnxruntime-web/ort-wasm-simd-threaded.jsep.mjs?url";
import jsepWasm from "onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url";
import { fetchSource } from "../src/engine/fetchSource";
import { createWebRuntime } from "../src/engine/webRuntime";
import { openWeightCache } from "../src/storage/weightCache";
import type { WorkerEvent, WorkerRequest } from "../src/protocol";
import { createHandler } from "./handler";

const assets = { webgpu: { mjs: jsepMjs, wasm: jsepWasm }, wasm: { mjs: plainMjs, wasm: plainWasm } };
const post = (event: WorkerEvent, transfer: Transferable[] = []) => self.postMessage(event, { transfer });
const handle = createHandler(
  { createRuntime: (choice) => createWebRuntime(choice, assets), openSource: fetchSource, cache: openWeightCache() },
  post,
);
self.onmessage = (e: MessageEvent<WorkerRequest>) => handle(e.data);
