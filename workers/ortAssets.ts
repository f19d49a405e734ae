/** onnxruntime-web's two WASM builds as the bundler serves them: with the WebGPU EP (JSEP), and plain. */
import plainMjs from "onnxruntime-web/ort-wasm-simd-threaded.mjs?url";
import plainWasm from "onnxruntime-web/ort-wasm-simd-threaded.wasm?url";
import jsepMjs from "onnxruntime-web/ort-wasm-simd-threaded.jsep.mjs?url";
import jsepWasm from "onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url";
import type { OrtAssets } from "../src/engine/webRuntime";

export const ORT_ASSETS: OrtAssets = { webgpu: { mjs: jsepMjs, wasm: jsepWasm }, wasm: { mjs: plainMjs, wasm: plainWasm } };
