import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { floatWeightTypes, graphInputNames, mainWeightType } from "./onnxWeights";

const models = join(__dirname, "../../public/models");
const read = (path: string) => new Uint8Array(readFileSync(join(models, path)));

describe("floatWeightTypes", () => {
  it("tells the built-in model's fp32 graphs from its fp16-weight ones, whose inputs and outputs are fp32 alike", () => {
    for (const part of ["text_encoder", "unet", "vae_decoder", "vae_encoder"]) {
      expect(mainWeightType(read(`tiny-shapes/${part}/model.onnx`)), part).toBe("float32");
      expect(mainWeightType(read(`tiny-shapes/${part}/model_fp16.onnx`)), part).toBe("float16");
    }
  });

  it("counts every floating-point initializer: the fp16 export converts each of the fp32 one's", () => {
    // the onnx package reads 180 float32 initializers in this U-Net (Counter(t.data_type for t in graph.initializer))
    const fp32 = floatWeightTypes(read("tiny-shapes/unet/model.onnx"));
    const fp16 = floatWeightTypes(read("tiny-shapes/unet/model_fp16.onnx"));
    expect([...fp32.keys()]).toEqual(["float32"]);
    expect([...fp16.keys()]).toEqual(["float16"]);
    expect(fp32.get("float32")).toBeGreaterThan(100);
    expect(fp16.get("float16")).toBe(fp32.get("float32"));
  });

  it("finds no weights in bytes that are not ONNX, and does not read past a truncated field", () => {
    expect(floatWeightTypes(new TextEncoder().encode("<!doctype html><p>Not found</p>")).size).toBe(0);
    const unet = read("tiny-shapes/unet/model.onnx");
    expect(floatWeightTypes(unet.subarray(0, 1000)).size).toBe(0);
    expect(mainWeightType(new Uint8Array(0))).toBeUndefined();
  });
});

describe("graphInputNames", () => {
  it("lists the inputs the onnx package lists, less initializers ([i.name for i in graph.input if i.name not in inits])", () => {
    expect(graphInputNames(read("tiny-shapes/unet/model.onnx"))).toEqual(["sample", "timestep", "encoder_hidden_states"]);
    expect(graphInputNames(read("tiny-shapes-xl/unet/model.onnx"))).toEqual([
      "sample",
      "timestep",
      "encoder_hidden_states",
      "text_embeds",
      "time_ids",
    ]);
    expect(graphInputNames(read("tiny-shapes/text_encoder/model.onnx"))).toEqual(["input_ids"]);
  });

  it("finds none in bytes that are not a whole ONNX model", () => {
    expect(graphInputNames(new TextEncoder().encode("<!doctype html>"))).toBeUndefined();
    const unet = read("tiny-shapes/unet/model.onnx");
    expect(graphInputNames(unet.subarray(0, unet.length - 1000))).toBeUndefined();
  });
});
