import wasmMjs from "onnxruntime-web/ort-wasm-simd-threaded.jsep.mjs?url";
import wasmBinary from "onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url";
import { fetchSource } from "../src/engine/fetchSource";
import { createWebRuntime } from "../src/engine/webRuntime";
import type { WorkerEvent, WorkerRequest } from "../src/protocol";
import { createHandler } from "./handler";

const post = (event: WorkerEvent, transfer: Transferable[] = []) => self.postMessage(event, { transfer });
const handle = createHandler(
  { createRuntime: (choice) => createWebRuntime(choice, { mjs: wasmMjs, wasm: wasmBinary }), openSource: fetchSource },
  post,
);
self.onmessage = (e: MessageEvent<WorkerRequest>) => handle(e.data);
