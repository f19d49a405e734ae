import { describe, expect, it } from "vitest";
import { CATALOG, findEntry } from "../models/catalog";
import { whyCannotRun } from "./deviceFit";

const entry = (id: string) => {
  const e = findEntry(CATALOG, id);
  if (!e) throw new Error(`no catalog entry ${id}`);
  return e;
};
const noAdapter = { webgpu: false, shaderF16: false, reason: "no GPU adapter is available" };
const f16 = { webgpu: true, shaderF16: true, reason: "WebGPU adapter found" };

describe("whyCannotRun", () => {
  it("refuses a model whose every variant needs shader-f16 where WebGPU or the feature is missing, saying why", () => {
    const turbo = CATALOG.find((e) => e.kind === "hub" && e.manifest.variants.every((v) => v.requiresShaderF16));
    if (!turbo) throw new Error("the catalog has no half-precision-only model");
    expect(whyCannotRun(turbo, noAdapter, "auto")).toBe("Needs WebGPU with half precision (shader-f16); here no GPU adapter is available.");
    expect(whyCannotRun(turbo, { ...f16, shaderF16: false }, "auto")).toMatch(/no shader-f16/);
    expect(whyCannotRun(turbo, f16, "wasm")).toMatch(/WASM backend is chosen/);
    expect(whyCannotRun(turbo, f16, "auto")).toBeUndefined();
    expect(whyCannotRun(turbo, undefined, "auto")).toBeUndefined();
  });

  it("lets the built-in model run anywhere: its fp32 variant needs nothing", () => {
    expect(whyCannotRun(entry("tiny-shapes"), noAdapter, "wasm")).toBeUndefined();
  });
});
