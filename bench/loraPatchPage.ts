/** Browser half of bench/loraPatch.ts: builds the inputs once (prepare), then patches them (run). */
import * as ort from "onnxruntime-web/wasm";
import { ORT_ASSETS } from "../workers/ortAssets";
import { ortLowRankAdder } from "../src/engine/lora/ortKernel";
import { jsLowRankAdder } from "../src/engine/lora/patch";
import { buildInputs, patch, type PatchInputs, type PatchTiming } from "./loraPatchRun";

let inputs: PatchInputs | undefined;

export function prepare(unetMB: number, rank: number): void {
  inputs = buildInputs(unetMB, rank);
}

export async function run(adder: string): Promise<PatchTiming & { threads: number }> {
  if (!inputs) throw new Error("prepare() first");
  // as the app's worker sets it up (src/engine/webRuntime.ts): the plain WASM build, all cores when isolated
  ort.env.wasm.wasmPaths = ORT_ASSETS.wasm;
  ort.env.wasm.numThreads = crossOriginIsolated ? navigator.hardwareConcurrency : 1;
  const timing = await patch(inputs, adder === "js" ? jsLowRankAdder : ortLowRankAdder(ort, "wasm"));
  return { ...timing, threads: Number(ort.env.wasm.numThreads) };
}
