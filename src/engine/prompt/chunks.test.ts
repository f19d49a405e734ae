import { describe, expect, it } from "vitest";
import { parsePromptAttention } from "./attention";
import { CHUNK_LENGTH, chunkIds, chunkPrompt, chunkWeights } from "./chunks";
import { clipVocabulary, golden } from "./goldens";

interface Case {
  prompt: string;
  tokenCount: number;
  chunks: { ids: number[]; weights: number[] }[];
  pad0Ids: number[][];
  noBacktrackIds: number[][];
}

const cases = golden<Case[]>("chunks");
const clip = clipVocabulary(49407);
const openClip = clipVocabulary(0);
const label = (p: string) => JSON.stringify(p.length > 60 ? `${p.slice(0, 60)}… (${p.length} chars)` : p);

describe("chunkPrompt matches A1111's tokenize_line on CLIP's vocabulary", () => {
  it("covers at least 20 prompts, some longer than one chunk, some with BREAK", () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
    expect(cases.filter((c) => c.chunks.length > 2).length).toBeGreaterThan(2);
    expect(cases.filter((c) => c.prompt.includes("BREAK")).length).toBeGreaterThan(2);
  });

  it.each(cases.map((c) => [label(c.prompt), c] as const))("%s", (_name, c) => {
    const { chunks, tokenCount } = chunkPrompt(parsePromptAttention(c.prompt), clip);
    expect(tokenCount).toBe(c.tokenCount);
    expect(chunks.map((ch) => Array.from(ch.ids))).toStrictEqual(c.chunks.map((ch) => ch.ids));
    // A1111's multipliers become a float32 tensor
    expect(chunks.map((ch) => Array.from(ch.weights))).toStrictEqual(c.chunks.map((ch) => ch.weights.map(Math.fround)));
  });

  it.each(cases.map((c) => [label(c.prompt), c] as const))("%s: pad id 0 after the end token, as OpenCLIP encoders get it", (_name, c) => {
    const { chunks } = chunkPrompt(parsePromptAttention(c.prompt), openClip);
    expect(chunks.map((ch) => Array.from(ch.ids))).toStrictEqual(c.pad0Ids);
  });

  it("lays the chunks out one after another for the encoder", () => {
    const { chunks } = chunkPrompt(parsePromptAttention("(a:1.5) BREAK b"), clip);
    const ids = chunkIds(chunks);
    const weights = chunkWeights(chunks);
    expect(ids.length).toBe(2 * CHUNK_LENGTH);
    expect(Array.from(ids.subarray(CHUNK_LENGTH, CHUNK_LENGTH + 3))).toStrictEqual([49406, 321, 49407]);
    expect(weights[1]).toBe(1.5);
  });

  it.each(cases.filter((c) => c.chunks.length > 1).map((c) => [label(c.prompt), c] as const))(
    "%s: with comma backtracking off, as A1111 with comma_padding_backtrack 0",
    (_name, c) => {
      const { chunks } = chunkPrompt(parsePromptAttention(c.prompt), clip, 0);
      expect(chunks.map((ch) => Array.from(ch.ids))).toStrictEqual(c.noBacktrackIds);
    },
  );
});
