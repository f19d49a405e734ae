/** Whether a catalog model can run here, from what the worker found out about this device's WebGPU. */
import type { CatalogEntry } from "../models/catalog";
import type { BackendChoice, DeviceReport } from "../protocol";

function needsShaderF16(entry: CatalogEntry): boolean {
  const variants = entry.kind === "hub" ? entry.manifest.variants : (entry.variants ?? []);
  return variants.length > 0 && variants.every((v) => v.requiresShaderF16);
}

/**
 * Why the model cannot run on this device with this backend choice, or undefined when it can (or while the
 * device is still being probed: nothing is refused on a guess).
 */
export function whyCannotRun(entry: CatalogEntry, device: DeviceReport | undefined, backend: BackendChoice): string | undefined {
  if (!needsShaderF16(entry)) return undefined;
  const need = "Needs WebGPU with half precision (shader-f16)";
  if (backend === "wasm") return `${need}; the WASM backend is chosen.`;
  if (!device) return undefined;
  if (!device.webgpu) return `${need}; here ${device.reason}.`;
  if (!device.shaderF16) return `${need}; this GPU has WebGPU but no shader-f16.`;
  return undefined;
}
