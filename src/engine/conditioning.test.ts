import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseManifestJson, type TextEncoderSpec } from "../manifest";
import { encodePrompts, type LoadedTextEncoder } from "./conditioning";
import { createNodeRuntime } from "./nodeRuntime";
import type { OrtTensor } from "./runtime";
import type { PromptTokenizer } from "./tokenizer";

/**
 * The U-Net inputs' layout, on stand-in encoders whose states say which token, position and encoder they come
 * from: batch order, chunks one after another, padding with the empty prompt, SDXL's encoders side by side.
 */
const runtime = createNodeRuntime(1);
const xl = parseManifestJson(readFileSync(new URL("../../public/models/tiny-shapes-xl/model.json", import.meta.url), "utf8"));
const [START, END, COMMA] = [1, 2, 3];

/** Words are ids 10, 11, … in order of first use; "," is its own token. */
function fakeTokenizer(padId: number): PromptTokenizer {
  const words = new Map<string, number>();
  const tokenize = (text: string) =>
    text
      .split(/(,)|\s+/)
      .filter((w): w is string => Boolean(w))
      .map((w) => (w === "," ? COMMA : (words.get(w) ?? words.set(w, 10 + words.size).get(w)!)));
  return {
    tokenize,
    startId: START,
    endId: END,
    padId,
    commaId: COMMA,
    inspect: (text) => ({ count: tokenize(text).length, limit: 75, unknownWords: [] }),
    encode: (text) => {
      const ids = new Int32Array(77).fill(padId);
      ids.set([START, ...tokenize(text).slice(0, 75), END]);
      return ids;
    },
  };
}

/** State of (token id, position p) on encoder `tag`: every entry names all three; pooled: the row's first token after start. */
function state(tag: number, id: number, p: number, k: number): number {
  return tag * 1000 + id + p / 100 + k / 10000;
}

function fakeEncoder(spec: TextEncoderSpec, tag: number, width: number, padId: number): LoadedTextEncoder {
  return {
    spec,
    tokenizer: fakeTokenizer(padId),
    maxLength: 77,
    session: {
      inputs: [{ name: "input_ids", type: "int32", shape: ["batch", 77] }],
      outputNames: [spec.hiddenStates, ...(spec.pooled ? [spec.pooled] : [])],
      release: async () => undefined,
      run: async (feeds) => {
        const ids = feeds.input_ids.data as Int32Array;
        const rows = ids.length / 77;
        const hidden = Float32Array.from({ length: rows * 77 * width }, (_, i) => {
          const k = i % width;
          const p = Math.floor(i / width) % 77;
          return state(tag, ids[Math.floor(i / width)], p, k);
        });
        const out: Record<string, OrtTensor> = { [spec.hiddenStates]: runtime.tensor("float32", hidden, [rows, 77, width]) };
        if (spec.pooled)
          out[spec.pooled] = runtime.tensor(
            "float32",
            Float32Array.from({ length: rows * 4 }, (_, i) => tag * 1000 + ids[Math.floor(i / 4) * 77 + 1]),
            [rows, 4],
          );
        return out;
      },
    },
  };
}

const encoders = (): LoadedTextEncoder[] => [fakeEncoder(xl.textEncoders![0], 1, 3, END), fakeEncoder(xl.textEncoders![1], 2, 2, 0)];
const size = { width: 64, height: 64 };
const longPrompt = Array.from({ length: 100 }, (_, i) => `w${i}`).join(" ");

/** Entry (position p, channel c) of batch item b in states of the given total width and length. */
const at = (data: Float32Array, b: number, p: number, c: number, width: number, length: number) => data[(b * length + p) * width + c];

describe("encodePrompts lays out the U-Net's text inputs", () => {
  it("batch [negative, positive]: the one-chunk negative is padded with the empty prompt to the positive's two chunks", async () => {
    const { conditioning } = await encodePrompts(xl, encoders(), runtime, ["blurry", longPrompt], size);
    const states = conditioning.encoder_hidden_states;
    expect([...states.dims]).toEqual([2, 154, 5]);
    const data = states.data as Float32Array;
    const get = (b: number, p: number, c: number) => at(data, b, p, c, 5, 154);
    // negative: start, "blurry", end, then pad: encoder 1 pads with the end token, encoder 2 with 0
    expect([get(0, 0, 0), get(0, 1, 0), get(0, 2, 0), get(0, 3, 0)]).toEqual(
      [state(1, START, 0, 0), state(1, 10, 1, 0), state(1, END, 2, 0), state(1, END, 3, 0)].map(Math.fround),
    );
    expect([get(0, 2, 3), get(0, 3, 4)]).toEqual([state(2, END, 2, 0), state(2, 0, 3, 1)].map(Math.fround));
    // its second chunk is the empty prompt: start, end, pad
    expect([get(0, 77, 0), get(0, 78, 0), get(0, 79, 3)]).toEqual([state(1, START, 0, 0), state(1, END, 1, 0), state(2, 0, 2, 0)].map(Math.fround));
    // positive: 75 words, then a second chunk starting again with the start token and word 76
    expect(get(1, 75, 0)).toBe(Math.fround(state(1, 11 + 74, 75, 0)));
    expect(get(1, 76, 1)).toBe(Math.fround(state(1, END, 76, 1)));
    expect([get(1, 77, 0), get(1, 78, 2), get(1, 78, 3)]).toEqual(
      [state(1, START, 0, 0), state(1, 11 + 75, 1, 2), state(2, 11 + 75, 1, 0)].map(Math.fround),
    );
  });

  it("SDXL: text_embeds is the second encoder's pooled output of each prompt's first chunk; time_ids per item", async () => {
    const { conditioning } = await encodePrompts(xl, encoders(), runtime, ["blurry", longPrompt], size);
    expect([...conditioning.text_embeds.dims]).toEqual([2, 4]);
    expect([...(conditioning.text_embeds.data as Float32Array)]).toEqual([2010, 2010, 2010, 2010, 2011, 2011, 2011, 2011]);
    expect([...conditioning.time_ids.dims]).toEqual([2, 6]);
  });

  it("a zeroed item (SDXL's empty negative prompt) is zero at every chunk, the empty prompt's padding too", async () => {
    const { conditioning } = await encodePrompts(xl, encoders(), runtime, ["", longPrompt], size, { zeroed: [true, false] });
    const data = conditioning.encoder_hidden_states.data as Float32Array;
    expect(data.subarray(0, 154 * 5).every((v) => v === 0)).toBe(true);
    expect(data.subarray(154 * 5).some((v) => v === 0)).toBe(false);
    expect([...(conditioning.text_embeds.data as Float32Array)].slice(0, 4)).toEqual([0, 0, 0, 0]);
  });

  it("prompts of one chunk each stay at 77 positions; plain syntax always does and reports the cut", async () => {
    const a1111 = await encodePrompts(xl, encoders(), runtime, ["a", "b c"], size);
    expect([...a1111.conditioning.encoder_hidden_states.dims]).toEqual([2, 77, 5]);
    const plain = await encodePrompts(xl, encoders(), runtime, ["", longPrompt], size, { syntax: "plain" });
    expect([...plain.conditioning.encoder_hidden_states.dims]).toEqual([2, 77, 5]);
    expect(plain.cuts).toEqual([{ index: 1, tokens: 100, kept: 75 }]);
  });

  it("a negative prompt keeps its <lora:…> tag as text, as A1111 parses extra networks in the positive prompt only", async () => {
    const rows: number[][] = [];
    const [first, second] = encoders();
    const recorded: LoadedTextEncoder = {
      ...first,
      session: {
        ...first.session,
        run: (feeds) => {
          const ids = Array.from(feeds.input_ids.data as Int32Array);
          for (let r = 0; r < ids.length / 77; r++) rows.push(ids.slice(r * 77, r * 77 + 3));
          return first.session.run(feeds);
        },
      },
    };
    const prompt = "<lora:detail:0.8> cat";
    await encodePrompts(xl, [recorded, second], runtime, [prompt, prompt], size, { negative: [true, false] });
    const [tag, cat] = first.tokenizer.tokenize("<lora:detail:0.8> cat");
    expect(rows).toEqual([
      [START, tag, cat],
      [START, cat, END],
    ]);
  });

  it("weights scale their tokens' states; (word) and [word] are A1111's 1.1 and 1/1.1", async () => {
    const { conditioning } = await encodePrompts(xl, encoders(), runtime, ["a (b) [c] (d:2)"], size);
    const data = conditioning.encoder_hidden_states.data as Float32Array;
    const get = (p: number, c: number) => at(data, 0, p, c, 5, 77);
    // same scale for the whole chunk (the mean restore), so ratios to the unweighted token's state show the weights
    const ratio = (p: number) => get(p, 0) / state(1, 9 + p, p, 0) / (get(1, 0) / state(1, 10, 1, 0));
    expect(ratio(2)).toBeCloseTo(1.1, 5);
    expect(ratio(3)).toBeCloseTo(1 / 1.1, 5);
    expect(ratio(4)).toBeCloseTo(2, 5);
  });
});
