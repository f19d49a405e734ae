import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LoraError } from "../../errors";
import { readLora } from ".";
import { parseLora } from "./keys";
import { weightSites } from "./onnxGraph";
import { createNodeRuntime } from "../nodeRuntime";
import { ortLowRankAdder } from "./ortKernel";
import { applyLoras, jsLowRankAdder } from "./patch";
import { readSafetensors, tensorToFloat32 } from "./safetensors";

/** Fixtures from tools/lora/make_unit_fixtures.py: values written by the safetensors library, sums by torch. */
const FIXTURES = join(__dirname, "__fixtures__");
const fixture = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, name)));

describe("readSafetensors", () => {
  it("widens F32, F16 and BF16 to the values torch gives", () => {
    const file = readSafetensors(fixture("dtypes.safetensors"), "dtypes.safetensors");
    const want = JSON.parse(readFileSync(join(FIXTURES, "dtypes.json"), "utf8")) as Record<string, number[]>;
    expect(file.metadata.ss_network_module).toBe("networks.lora");
    for (const [name, values] of Object.entries(want)) {
      const t = file.tensors.get(name)!;
      expect(t.shape).toEqual([2, 3]);
      expect([...tensorToFloat32(t)]).toEqual(values.map(Math.fround));
    }
  });

  it("says what is wrong with a file that is not safetensors", () => {
    const bytes = fixture("dtypes.safetensors");
    expect(() => readSafetensors(bytes.subarray(0, 40), "cut.safetensors")).toThrow(
      /cut\.safetensors is not a \.safetensors file: its header length/,
    );
    expect(() => readSafetensors(new TextEncoder().encode("<html>404 Not Found</html>"), "page.safetensors")).toThrow(LoraError);
  });
});

describe("applyLoras", () => {
  const ortAdder = ortLowRankAdder(createNodeRuntime(1).ort, "cpu");
  it.each([
    ["JavaScript", jsLowRankAdder],
    ["ONNX Runtime", ortAdder],
  ] as const)("patches float32 MatMul, Gemm (transB 0) and external-data Conv weights as torch computes W + scale·up@down (%s)", async (_, adder) => {
    const model = fixture("layouts.onnx");
    const data = fixture("layouts.onnx_data");
    const want = JSON.parse(readFileSync(join(FIXTURES, "layouts.json"), "utf8")) as { strength: number; weights: Record<string, number[]> };
    const lora = readLora(fixture("layouts.safetensors"), "layouts", want.strength);
    expect(lora.unknown).toEqual(["lora_unet_blocks_0_proj.hada_w1_a"]);
    const report = await applyLoras("unet", model, [{ path: "layouts.onnx_data", data }], [lora], adder);
    expect(report.applied.get("layouts")).toBe(3);
    expect(report.unmatched.size).toBe(0);
    // the initializers' float32 values: raw_data inline, w_conv in the external file
    const floats = (bytes: Uint8Array, offset: number, n: number) => {
      const view = new DataView(bytes.buffer, bytes.byteOffset + offset, n * 4);
      return Array.from({ length: n }, (_, i) => view.getFloat32(i * 4, true));
    };
    const sites = weightSites(model);
    const find = (name: string, n: number) => {
      const data = sites.find((s) => s.initializer.name === name)?.initializer.data;
      if (data?.kind !== "inline") throw new Error(`${name} is not inline`);
      return floats(model, data.start, n);
    };
    expect(find("w_matmul", 30)).toEqual(want.weights.w_matmul.map((v) => expect.closeTo(v, 5)));
    expect(find("w_gemm", 24)).toEqual(want.weights.w_gemm.map((v) => expect.closeTo(v, 5)));
    const conv = sites.find((s) => s.initializer.name === "w_conv")?.initializer.data;
    expect(conv?.kind).toBe("external");
    expect(floats(data, conv?.kind === "external" ? conv.offset : -1, 54)).toEqual(want.weights.w_conv.map((v) => expect.closeTo(v, 5)));
  });

  it("refuses a LoRA whose module has another shape than the model's weight", async () => {
    const lora = readLora(fixture("layouts.safetensors"), "layouts", 1);
    const conv = lora.modules.find((m) => m.path === "conv_in")!;
    const wrong = { ...lora, modules: [{ ...conv, path: "blocks_0_proj" }] };
    await expect(
      applyLoras("unet", fixture("layouts.onnx"), [{ path: "layouts.onnx_data", data: fixture("layouts.onnx_data") }], [wrong]),
    ).rejects.toThrow(
      /"layouts" does not fit this model: lora_unet_conv_in changes a \[3, 18\] weight, but the model's model\.blocks\.0\.proj is \[6,5\]/,
    );
  });

  it("reads PEFT's alpha from diffusers' lora_adapter_metadata and kohya's from .alpha", () => {
    const peft = parseLora(readSafetensors(fixture("peft.safetensors")), "peft");
    expect(new Set(peft.modules.map((m) => `${m.part} ${m.scale}`))).toEqual(new Set(["unet 1.5", "text_encoder 2"]));
    const kohya = parseLora(readSafetensors(fixture("kohya.safetensors")), "kohya");
    expect(kohya.modules.find((m) => m.path === "down_blocks_0_resnets_0_conv1")?.scale).toBeCloseTo(1.5 / 2);
    expect(kohya.modules.find((m) => m.path === "text_model_encoder_layers_0_mlp_fc1")?.scale).toBeCloseTo(2 / 4);
    expect(kohya.unknown).toEqual([]);
  });
});
