import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ModelPart } from "../manifest";
import reference from "./__fixtures__/tiny_reference.json";
import { createNodeRuntime, openModelFolder, referenceFeeds } from "./nodeRuntime";
import type { Runtime } from "./runtime";

/** The built-in model as shipped: manifest, hashes, I/O contract, and numbers against PyTorch. */
const folder = join(__dirname, "../../public/models/tiny-shapes");
const { manifest } = await openModelFolder(folder);
const runtime: Runtime = createNodeRuntime();

const D = manifest.textEmbeddingDim;
type SdPart = Exclude<ModelPart, "text_encoder_2">;
const expectedIo: Record<SdPart, { inputs: [string, string, (number | string)[]][]; outputs: string[] }> = {
  text_encoder: { inputs: [["input_ids", "int32", ["batch", 77]]], outputs: ["last_hidden_state"] },
  unet: {
    inputs: [
      ["sample", "float32", ["batch", 4, "height", "width"]],
      ["timestep", "int64", ["steps_batch"]],
      ["encoder_hidden_states", "float32", ["batch", 77, D]],
    ],
    outputs: ["out_sample"],
  },
  vae_decoder: { inputs: [["latent_sample", "float32", ["batch", 4, "height", "width"]]], outputs: ["sample"] },
  vae_encoder: { inputs: [["sample", "float32", ["batch", 3, "image_height", "image_width"]]], outputs: ["latent_sample"] },
};

type Ref = {
  inputs: Record<string, { dims: number[]; data: number[] }>;
  output: { name: string; dims: number[]; sum: number; abs_sum: number; head: number[] };
};

describe("built-in model tiny-shapes", () => {
  it("has the manifest fields the engine needs", () => {
    expect(manifest.id).toBe("tiny-shapes");
    expect(manifest.scalingFactor).toBe(0.18215);
    expect(manifest.scheduler).toMatchObject({ beta_schedule: "scaled_linear", num_train_timesteps: 1000, prediction_type: "epsilon" });
    expect(manifest.variants.map((v) => [v.id, v.requiresShaderF16])).toEqual([
      ["fp32", false],
      ["fp16", true],
    ]);
  });

  it("ships every file with the size and SHA-256 the manifest records, within 12 MB in all", () => {
    let total = 0;
    for (const variant of manifest.variants) {
      for (const file of Object.values(variant.files)) {
        const bytes = readFileSync(join(folder, file.path));
        total += bytes.length;
        expect(bytes.length, file.path).toBe(file.bytes);
        expect(createHash("sha256").update(bytes).digest("hex"), file.path).toBe(file.sha256);
      }
    }
    expect(total).toBeLessThan(12e6);
  });

  for (const variant of manifest.variants) {
    for (const part of Object.keys(expectedIo) as SdPart[]) {
      it(`${variant.id} ${part} has the Stable Diffusion ONNX interface`, async () => {
        const file = variant.files[part]!;
        const session = await runtime.ort.InferenceSession.create(readFileSync(join(folder, file.path)));
        const inputs = session.inputMetadata.map((m) => (m.isTensor ? [m.name, m.type, [...m.shape]] : [m.name]));
        expect(inputs).toEqual(expectedIo[part].inputs);
        expect(session.outputNames).toEqual(expectedIo[part].outputs);
        const out = session.outputMetadata[0];
        expect(out.isTensor && out.type).toBe("float32");
        await session.release();
      });
    }
  }

  for (const part of Object.keys(expectedIo) as SdPart[]) {
    it(`fp32 ${part} matches PyTorch's output on the reference input`, async () => {
      const ref = (reference as Record<string, Ref>)[part];
      const session = await runtime.createSession(readFileSync(join(folder, manifest.variants[0].files[part]!.path)));
      const feeds = referenceFeeds(runtime, session, ref.inputs);
      const out = (await session.run(feeds))[ref.output.name];
      expect([...out.dims]).toEqual(ref.output.dims);
      const data = out.data as Float32Array;
      let sum = 0;
      let absSum = 0;
      for (const v of data) {
        sum += v;
        absSum += Math.abs(v);
      }
      const scale = Math.max(ref.output.abs_sum, 1e-6);
      expect(Math.abs(absSum - ref.output.abs_sum)).toBeLessThan(1e-4 * scale);
      expect(Math.abs(sum - ref.output.sum)).toBeLessThan(1e-4 * scale);
      ref.output.head.forEach((v, i) => expect(data[i]).toBeCloseTo(v, 4));
      await session.release();
    });
  }
});
