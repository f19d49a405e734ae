import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { ShaderF16UnsupportedError } from "../errors";
import type { ModelVariant } from "../manifest";
import { loadModel, readAhead } from "./loadModel";
import { createNodeRuntime, openModelFolder } from "./nodeRuntime";

describe("readAhead", () => {
  it("reads the first item alone, then the next ones while earlier ones are in use, within the byte budget", async () => {
    const log: string[] = [];
    const sizes = [1, 5, 2, 9];
    const reads = readAhead(
      sizes,
      (n) => n,
      async (n) => (log.push(`read ${n}`), n),
      8,
    );
    for await (const n of reads) log.push(`use ${n}`);
    // 9 bytes never fit beside the others: it is read only when nothing else is held, alone over the budget
    expect(log).toEqual(["read 1", "read 5", "read 2", "use 1", "use 5", "use 2", "read 9", "use 9"]);
  });

  it("yields in order even when a later read finishes first", async () => {
    const delays = [30, 0, 10];
    const reads = readAhead(
      delays,
      () => 1,
      (ms) => new Promise<number>((r) => setTimeout(() => r(ms), ms)),
      100,
    );
    const out: number[] = [];
    for await (const ms of reads) out.push(ms);
    expect(out).toEqual([30, 0, 10]);
  });
});

const { manifest, source } = await openModelFolder(join(__dirname, "../../public/models/tiny-shapes"));

describe("loadModel on weights whose precision the variant does not state", () => {
  const fp16 = manifest.variants.find((v) => v.id === "fp16")!;
  // what a custom model's plain model.onnx with half-precision weights looks like: labelled by its file name
  const unlabelled: ModelVariant = { ...fp16, id: "fp32", label: "fp32", precision: "fp32", requiresShaderF16: false };

  it("refuses half-precision weights without shader-f16, naming the file, before ONNX Runtime sees them", async () => {
    const runtime = createNodeRuntime();
    const created = vi.spyOn(runtime, "createSession");
    const load = loadModel(manifest, unlabelled, source, runtime);
    await expect(load).rejects.toThrow(ShaderF16UnsupportedError);
    await expect(load).rejects.toThrow(
      /text_encoder\/model_fp16\.onnx of .* holds half-precision \(float16\) weights, although its fp32 variant does not say so; it needs WebGPU with the 'shader-f16' feature/,
    );
    expect(created).not.toHaveBeenCalled();
  });

  it("loads the full-precision variant as before", async () => {
    const model = await loadModel(
      manifest,
      manifest.variants.find((v) => v.id === "fp32")!,
      source,
      createNodeRuntime(),
    );
    await model.release();
  });
});
