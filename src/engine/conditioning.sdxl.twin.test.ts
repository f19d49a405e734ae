import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HubCatalogEntry } from "../hub/hubModel";
import { CATALOG } from "../models/catalog";
import { twinSource } from "../models/twinSource";
import { encodePrompts } from "./conditioning";
import { label, recording, relativeError } from "./conditioningTwinKit";
import { loadModel, type LoadedModel } from "./loadModel";
import { createNodeRuntime } from "./nodeRuntime";

/**
 * Weighted and chunked prompts on the SDXL-Turbo twin's two text encoders (random weights, the real repo's layout;
 * tools/twins/), against tools/reference/conditioning_xl_reference.py: A1111's own chunks (ids and weights from its
 * tokenize_line) encoded by each encoder, weighted with the mean restored per encoder and per chunk, the encoders
 * side by side, the pooled vector the second encoder's from the first chunk, unweighted.
 */
const FIXTURES = join(__dirname, "__fixtures__/conditioning");

interface ReferencePrompt {
  prompt: string;
  ids: number[][];
  ids2: number[][];
  chunks: number;
  width: number;
  hiddenAt: number;
  pooledAt: number;
  pooledWidth: number;
}
const reference = JSON.parse(readFileSync(join(FIXTURES, "sdxl.json"), "utf8")) as { prompts: ReferencePrompt[] };
const raw = readFileSync(join(FIXTURES, "sdxl.bin"));
const values = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));

const entry = CATALOG.find((e): e is HubCatalogEntry => e.kind === "hub" && e.manifest.id === "sdxl-turbo")!;
const variant = entry.manifest.variants[0];

describe("prompts on the SDXL-Turbo twin's two encoders, as A1111 encodes them", () => {
  const runtime = createNodeRuntime(2);
  let model: LoadedModel;
  // loading four graphs takes seconds, more on a busy machine
  beforeAll(async () => {
    model = await loadModel(entry.manifest, variant, twinSource(entry, variant.id), runtime);
  }, 120_000);
  afterAll(() => model?.release());

  it("covers weights, BREAK, several chunks and the empty prompt", () => {
    expect(reference.prompts.filter((p) => p.chunks > 1).length).toBeGreaterThanOrEqual(3);
    expect(reference.prompts.some((p) => p.prompt.includes("BREAK"))).toBe(true);
    expect(reference.prompts.some((p) => p.prompt.includes(":1."))).toBe(true);
  });

  it.each(reference.prompts.map((p) => [label(p.prompt), p] as const))("%s: ids, states and pooled vector equal A1111's", async (_, p) => {
    const rows: number[][] = [];
    const rows2: number[][] = [];
    const [first, second] = model.textEncoders;
    const { conditioning } = await encodePrompts(entry.manifest, [recording(first, rows), recording(second, rows2)], runtime, [p.prompt], {
      width: 512,
      height: 512,
    });
    expect(rows).toEqual(p.ids);
    expect(rows2).toEqual(p.ids2);
    const hidden = conditioning.encoder_hidden_states;
    expect([...hidden.dims]).toEqual([1, p.chunks * 77, p.width]);
    const length = p.chunks * 77 * p.width;
    expect(relativeError(hidden.data as Float32Array, values.subarray(p.hiddenAt, p.hiddenAt + length))).toBeLessThanOrEqual(1e-5);
    const pooled = conditioning.text_embeds;
    expect([...pooled.dims]).toEqual([1, p.pooledWidth]);
    expect(relativeError(pooled.data as Float32Array, values.subarray(p.pooledAt, p.pooledAt + p.pooledWidth))).toBeLessThanOrEqual(1e-5);
  });
});
