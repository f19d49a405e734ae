/** A LoRA file, read and ready to apply: its modules by part, with the keys that belong to none. */
import { parseLora } from "./keys";
import type { LoraToApply } from "./patch";
import { readSafetensors } from "./safetensors";

export type { LoraToApply } from "./patch";

export function readLora(bytes: Uint8Array, name: string, strength: number): LoraToApply {
  return { name, strength, ...parseLora(readSafetensors(bytes, name), name) };
}
