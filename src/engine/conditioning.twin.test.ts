import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { HubCatalogEntry } from "../hub/hubModel";
import { CATALOG } from "../models/catalog";
import { twinSource } from "../models/twinSource";
import { caseParams, type ReferenceCase } from "../models/referenceCase";
import type { PromptSyntax } from "../params";
import { decodePng } from "../png/encodePng";
import { encodePrompts } from "./conditioning";
import { maxRgbDifference } from "./image";
import { label, recording, relativeError } from "./conditioningTwinKit";
import { loadModel, type LoadedModel, type ModelSource } from "./loadModel";
import { createNodeRuntime } from "./nodeRuntime";
import { generate } from "./pipeline";
import { countPromptTokens } from "./prompt/tokenCount";

/**
 * Weighted and chunked prompts on the SD-Turbo twin (random weights, the real repo's layout; tools/twins/), loaded
 * through its catalog entry, against tools/reference/conditioning_reference.py: AUTOMATIC1111's own prompt code
 * (tokenize_line, forward with "Original" emphasis, pad_cond_uncond) on the same text encoder, and diffusers'
 * pipeline given those conditionings. The text encoder is the twin's with a biased final layer norm (see the script).
 */
const FIXTURES = join(__dirname, "__fixtures__/conditioning");

interface Reference {
  width: number;
  prompts: { prompt: string; ids: number[][]; hidden: number[]; chunks: number; tokens: number; capacity: number }[];
  pairs: { negative: string; prompt: string; chunks: number; hidden: number[] }[];
  images: ReferenceCase[];
}
const reference = JSON.parse(readFileSync(join(FIXTURES, "conditioning.json"), "utf8")) as Reference;

const entry = CATALOG.find((e): e is HubCatalogEntry => e.kind === "hub" && e.manifest.id === "sd-turbo")!;
const variant = entry.manifest.variants[0];

/** The twin's files by the URLs the catalog would download, the text encoder replaced by the reference's. */
function twinWithReferenceEncoder(): ModelSource {
  const twin = twinSource(entry, variant.id);
  const encoder = join(FIXTURES, "text_encoder.onnx");
  return { read: async (path) => (path === variant.files.text_encoder.path ? new Uint8Array(await readFile(encoder)) : twin.read(path)) };
}

describe("prompts on the SD-Turbo twin, as A1111 encodes them", () => {
  const runtime = createNodeRuntime(2);
  const size = { width: 256, height: 256 };
  let model: LoadedModel;
  // the twin loads in seconds, more on a busy machine (the 10 s hook default can run out and skip every case)
  beforeAll(async () => {
    model = await loadModel(entry.manifest, variant, twinWithReferenceEncoder(), runtime);
  }, 120_000);
  const encode = async (prompts: string[], syntax?: PromptSyntax, fixedLength?: number) => {
    const rows: number[][] = [];
    const { conditioning, cuts } = await encodePrompts(entry.manifest, [recording(model.textEncoders[0], rows)], runtime, prompts, size, {
      syntax,
      fixedLength,
    });
    const hidden = conditioning.encoder_hidden_states;
    return { hidden: hidden.data as Float32Array, dims: [...hidden.dims], rows, cuts };
  };

  it("covers weights, BREAK, extra-network tags, several chunks and the pad token", () => {
    expect(reference.prompts.filter((p) => p.chunks > 1).length).toBeGreaterThanOrEqual(3);
    expect(reference.prompts.some((p) => p.prompt.includes("BREAK") && p.chunks === 2)).toBe(true);
    expect(reference.pairs.some((p) => p.chunks > 1)).toBe(true);
  });

  it.each(reference.prompts.map((p) => [label(p.prompt), p] as const))("%s: chunk ids and weighted states equal A1111's", async (_, p) => {
    const { hidden, dims, rows } = await encode([p.prompt]);
    expect(rows).toEqual(p.ids);
    expect(dims).toEqual([1, p.chunks * 77, reference.width]);
    expect(relativeError(hidden, p.hidden)).toBeLessThanOrEqual(1e-5);
  });

  it.each(reference.prompts.map((p) => [label(p.prompt), p] as const))("%s: token counter equals A1111's", (_, p) => {
    expect(countPromptTokens(p.prompt, model.textEncoders[0].tokenizer)).toEqual({ tokens: p.tokens, capacity: p.capacity });
  });

  it.each(reference.pairs.map((p) => [`${label(p.negative)} / ${label(p.prompt)}`, p] as const))(
    "negative %s: batch [negative, positive], the shorter padded with the empty prompt as pad_cond_uncond does",
    async (_, pair) => {
      const { hidden, dims } = await encode([pair.negative, pair.prompt]);
      expect(dims).toEqual([2, pair.chunks * 77, reference.width]);
      expect(relativeError(hidden, pair.hidden)).toBeLessThanOrEqual(1e-5);
    },
  );

  it.each(["a photograph of an astronaut riding a horse", "wow! a red fox!!", "", "word ".repeat(75)])(
    "%j without brackets and at most 75 tokens gives plain mode's ids and states exactly",
    async (prompt) => {
      const a1111 = await encode([prompt], "A1111");
      const plain = await encode([prompt], "plain");
      expect(a1111.rows).toEqual(plain.rows);
      expect(a1111.hidden).toEqual(plain.hidden);
      expect(plain.cuts).toEqual([]);
    },
  );

  it("plain mode cuts a long prompt at 77 tokens and says so; A1111 mode keeps it in two chunks", async () => {
    const long = reference.prompts.find((p) => p.chunks === 2 && !p.prompt.includes("("))!;
    const plain = await encode(["", long.prompt], "plain");
    expect(plain.dims).toEqual([2, 77, reference.width]);
    expect(plain.rows[1]).toEqual(Array.from(model.textEncoders[0].tokenizer.encode(long.prompt)));
    // the prompt's own tokens: A1111's counter (long.tokens) also counts the room comma backtracking leaves
    const tokens = long.ids.flat().filter((id) => id !== 49406 && id !== 49407 && id !== 0).length;
    expect(tokens).toBeLessThan(long.tokens);
    expect(plain.cuts).toEqual([{ index: 1, tokens, kept: 75 }]);
    expect((await encode([long.prompt])).cuts).toEqual([]);
  });

  it("a U-Net whose graph fixes 77 positions gets the first chunk only, weighted as A1111 weights it, and the cut is reported", async () => {
    const long = reference.prompts.find((p) => p.prompt.startsWith("(long:1.3)"))!;
    const { hidden, dims, rows, cuts } = await encode([long.prompt], "A1111", 77);
    expect(dims).toEqual([1, 77, reference.width]);
    expect(rows).toEqual([long.ids[0]]);
    expect(relativeError(hidden, long.hidden.slice(0, 77 * reference.width))).toBeLessThanOrEqual(1e-5);
    expect(cuts).toEqual([{ index: 0, tokens: long.tokens, kept: 75 }]);
  });

  it.each(reference.images.map((c) => [`${c.image}: ${label(c.prompt)}, guidance ${c.guidance}`, c] as const))(
    "%s equals diffusers' image from A1111's conditioning within 2/255",
    async (_, c) => {
      const { image, warnings } = await generate(model, runtime, caseParams(c, "A1111"));
      expect(warnings).toEqual([]);
      const want = decodePng(readFileSync(join(FIXTURES, c.image)));
      expect([image.width, image.height]).toEqual([want.width, want.height]);
      expect(maxRgbDifference(image.data, want.rgba)).toBeLessThanOrEqual(2);
    },
  );

  it("warns with the result when a U-Net's fixed text length cuts the prompt", async () => {
    const long = reference.images[0];
    const unet = {
      ...model.unet,
      inputs: model.unet.inputs.map((i) => (i.name === "encoder_hidden_states" ? { ...i, shape: [i.shape[0], 77, reference.width] } : i)),
      outputNames: model.unet.outputNames,
      run: model.unet.run,
      release: model.unet.release,
    };
    const { warnings } = await generate({ ...model, unet }, runtime, { ...caseParams(long, "A1111"), steps: 1 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^The prompt has 90 tokens, but this model's U-Net has a fixed text length of 75 prompt tokens/);
  });
});
