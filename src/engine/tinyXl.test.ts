import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GenerateParams } from "../params";
import reference from "./__fixtures__/tiny_xl_reference.json";
import { encodePrompts, timeIds } from "./conditioning";
import { loadModel, type LoadedModel } from "./loadModel";
import { createNodeRuntime, openModelFolder, referenceFeeds } from "./nodeRuntime";
import { generate } from "./pipeline";
import { torchRandn } from "./random";
import type { OrtTensor } from "./runtime";

/** The built-in SDXL-interface model: its files, its I/O against PyTorch, and the SDXL code path. */
const folder = join(__dirname, "../../public/models/tiny-shapes-xl");
const { manifest, source } = await openModelFolder(folder);
const runtime = createNodeRuntime();

type Ref = {
  inputs: Record<string, { dims: number[]; data: number[] }>;
  outputs: Record<string, { dims: number[]; sum: number; abs_sum: number; head: number[] }>;
};

const params: GenerateParams = {
  prompt: "a red star on a blue background",
  negativePrompt: "",
  steps: 8,
  guidance: 4,
  seed: 7,
  width: 64,
  height: 64,
  sampler: "Euler",
};

function meanAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

describe("built-in model tiny-shapes-xl", () => {
  it("declares SDXL's conditioning in its manifest", () => {
    expect(manifest.additionEmbedType).toBe("text_time");
    expect(manifest.textEncoders?.map((e) => [e.part, e.hiddenStates, e.pooled])).toEqual([
      ["text_encoder", "hidden_states.11", undefined],
      ["text_encoder_2", "hidden_states.31", "text_embeds"],
    ]);
    expect(manifest.variants.map((v) => [v.id, v.precision, v.requiresShaderF16])).toEqual([
      ["fp32", "fp32", false],
      ["q4", "q4", false],
    ]);
  });

  it("ships every file with the size and SHA-256 the manifest records", () => {
    const seen = new Set<string>();
    let total = 0;
    for (const file of manifest.variants.flatMap((v) => Object.values(v.files))) {
      if (seen.has(file.path)) continue;
      seen.add(file.path);
      const bytes = readFileSync(join(folder, file.path));
      total += bytes.length;
      expect(bytes.length, file.path).toBe(file.bytes);
      expect(createHash("sha256").update(bytes).digest("hex"), file.path).toBe(file.sha256);
    }
    expect(total).toBeLessThan(13e6);
  });

  it("has the public SDXL exports' input and output names and types", async () => {
    const io = async (path: string) => {
      const s = await runtime.ort.InferenceSession.create(readFileSync(join(folder, path)));
      const result = {
        inputs: s.inputMetadata.map((m) => (m.isTensor ? [m.name, m.type] : [m.name])),
        outputs: s.outputMetadata.map((m) => (m.isTensor ? [m.name, m.type] : [m.name])),
      };
      await s.release();
      return result;
    };
    const [fp32, q4] = manifest.variants;
    expect(await io(fp32.files.text_encoder.path)).toEqual({ inputs: [["input_ids", "int32"]], outputs: [["hidden_states.11", "float32"]] });
    expect(await io(fp32.files.text_encoder_2!.path)).toEqual({
      inputs: [["input_ids", "int64"]],
      outputs: [
        ["text_embeds", "float32"],
        ["hidden_states.31", "float32"],
      ],
    });
    const unetInputs = ["sample", "timestep", "encoder_hidden_states", "text_embeds", "time_ids"];
    expect(await io(fp32.files.unet.path)).toEqual({
      inputs: unetInputs.map((n) => [n, n === "timestep" ? "int64" : "float32"]),
      outputs: [["out_sample", "float32"]],
    });
    // the 4-bit U-Net has float16 inputs and outputs, as the q4f16 SDXL-Turbo export has
    expect(await io(q4.files.unet.path)).toEqual({ inputs: unetInputs.map((n) => [n, "float16"]), outputs: [["out_sample", "float16"]] });
  });

  for (const part of ["text_encoder", "text_encoder_2", "unet"] as const) {
    it(`fp32 ${part} matches PyTorch's outputs on the reference input`, async () => {
      const ref = (reference as Record<string, Ref>)[part];
      const session = await runtime.createSession(readFileSync(join(folder, manifest.variants[0].files[part]!.path)));
      const feeds = referenceFeeds(runtime, session, ref.inputs);
      const out = await session.run(feeds);
      for (const [name, expected] of Object.entries(ref.outputs)) {
        const data = out[name].data as Float32Array;
        expect([...out[name].dims]).toEqual(expected.dims);
        const absSum = data.reduce((a, v) => a + Math.abs(v), 0);
        const sum = data.reduce((a, v) => a + v, 0);
        const scale = Math.max(expected.abs_sum, 1e-6);
        expect(Math.abs(absSum - expected.abs_sum)).toBeLessThan(1e-4 * scale);
        expect(Math.abs(sum - expected.sum)).toBeLessThan(1e-4 * scale);
        expected.head.forEach((v, i) => expect(data[i]).toBeCloseTo(v, 4));
      }
      await session.release();
    });
  }

  describe("through the engine (onnxruntime-node)", () => {
    let model: LoadedModel;
    beforeAll(async () => {
      model = await loadModel(manifest, manifest.variants[0], source, runtime);
    });
    afterAll(() => model.release());

    it("conditions the U-Net on both encoders' states side by side, the pooled prompt and the time ids", async () => {
      const { conditioning: c } = await encodePrompts(manifest, model.textEncoders, runtime, ["", "a red star"], { width: 96, height: 64 });
      expect([...c.encoder_hidden_states.dims]).toEqual([2, 77, manifest.textEmbeddingDim]);
      expect([...c.text_embeds.dims]).toEqual([2, 32]);
      expect([...(c.time_ids.data as Float32Array)]).toEqual([...timeIds(96, 64), ...timeIds(96, 64)]);
      expect(timeIds(96, 64)).toEqual([64, 96, 0, 0, 64, 96]);
      // the second encoder's states follow the first's on each token
      const alone = await model.textEncoders[1].session.run({
        input_ids: runtime.tensor("int32", model.textEncoders[1].tokenizer.encode("a red star"), [1, 77]),
      });
      const states = c.encoder_hidden_states.data as Float32Array;
      const width = manifest.textEmbeddingDim;
      const second = alone["hidden_states.31"].data as Float32Array;
      expect(states.subarray(77 * width + 64, 77 * width + 96)).toEqual(second.subarray(0, 32));
    });

    it("reads text_embeds and time_ids: changing either changes the U-Net's prediction", async () => {
      const { conditioning: c } = await encodePrompts(manifest, model.textEncoders, runtime, ["a red star on a blue background"], params);
      const run = async (extra: Record<string, OrtTensor>) =>
        (
          await model.unet.run({
            sample: runtime.tensor("float32", torchRandn(3, [1, 4, 8, 8]), [1, 4, 8, 8]),
            timestep: runtime.tensor("int64", BigInt64Array.of(500n), [1]),
            ...c,
            ...extra,
          })
        ).out_sample.data as Float32Array;
      const base = await run({});
      const lowRes = await run({ time_ids: runtime.tensor("float32", Float32Array.of(32, 32, 0, 0, 64, 64), [1, 6]) });
      const noPooled = await run({ text_embeds: runtime.tensor("float32", new Float32Array(32), [1, 32]) });
      // the same feeds give the same bits, so any difference is the input's doing; original size 32 (trained
      // to mean "upscaled, soft") moves ε by about 4e-4 on average at t = 500, the pooled prompt by more
      expect(meanAbsDiff(base, await run({}))).toBe(0);
      expect(meanAbsDiff(base, lowRes)).toBeGreaterThan(1e-4);
      expect(meanAbsDiff(base, noPooled)).toBeGreaterThan(1e-4);
    });

    it("generates a seed-reproducible image", async () => {
      const a = await generate(model, runtime, params);
      const b = await generate(model, runtime, params);
      expect(a.image.width).toBe(64);
      expect(b.image.data).toEqual(a.image.data);
    });
  });
});
