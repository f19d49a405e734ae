/**
 * One LoRA patch run, shared by the Node bench and the browser page: builds the synthetic U-Net and LoRA
 * (bench/loraSynthetic.ts), then times reading the LoRA and patching the U-Net's bytes in place.
 */
import { readLora } from "../src/engine/lora";
import type { LowRankAdder } from "../src/engine/lora/patch";
import { applyLoras } from "../src/engine/lora/patch";
import { sd15Modules, syntheticLora, syntheticUnet } from "./loraSynthetic";

const MB = 2 ** 20;

export interface PatchTiming {
  unetMB: number;
  loraMB: number;
  /** Bytes of the U-Net's weights the LoRA changes. */
  patchedMB: number;
  modulesApplied: number;
  buildMs: number;
  patchMs: number;
}

export interface PatchInputs {
  unet: Uint8Array;
  lora: Uint8Array;
  patchedBytes: number;
  buildMs: number;
}

export function buildInputs(unetMB: number, rank: number): PatchInputs {
  const t0 = performance.now();
  const modules = sd15Modules();
  const lora = syntheticLora(modules, rank);
  const { bytes, patchedBytes } = syntheticUnet(modules, unetMB * MB);
  return { unet: bytes, lora, patchedBytes, buildMs: performance.now() - t0 };
}

/** `sample` is called after each weight is patched, while its scratch buffers are still alive (the peaks). */
export async function patch(inputs: PatchInputs, adder: LowRankAdder, sample: () => void = () => undefined): Promise<PatchTiming> {
  const t0 = performance.now();
  const lora = readLora(inputs.lora, "sd15-rank128", 0.8);
  const sampled: LowRankAdder = {
    async add(...args) {
      await adder.add(...args);
      sample();
    },
  };
  const report = await applyLoras("unet", inputs.unet, [], [lora], sampled);
  return {
    unetMB: Math.round(inputs.unet.length / MB),
    loraMB: Math.round(inputs.lora.length / MB),
    patchedMB: Math.round(inputs.patchedBytes / MB),
    modulesApplied: report.applied.get("sd15-rank128") ?? 0,
    buildMs: Math.round(inputs.buildMs),
    patchMs: Math.round(performance.now() - t0),
  };
}
