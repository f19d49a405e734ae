import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createPromptTokenizer } from "./tokenizer";

const json = (name: string): object =>
  JSON.parse(readFileSync(new URL(`../../public/models/tiny-shapes/${name}`, import.meta.url), "utf8")) as object;
const tiny = (maxLength = 77) => createPromptTokenizer(json("tokenizer.json"), json("tokenizer_config.json"), { maxLength, padId: 0 });

// Expected counts from transformers: PreTrainedTokenizerFast(tokenizer_file=...)(text, add_special_tokens=False)
describe("inspect: the prompt help's view of a prompt", () => {
  it("lists the built-in model's 17 words and flags the ones it does not know", () => {
    const report = tiny().inspect("a photorealistic astronaut riding a horse, 8k");
    expect(report.vocabulary).toHaveLength(17);
    expect(report.vocabulary).toContain("background");
    expect(report.unknownWords).toEqual(["photorealistic", "astronaut", "riding", "horse", "8k"]);
    expect(report.count).toBe(8);
    expect(report.ignored).toBeUndefined();
  });

  it("counts tokens against what the encoder sees and names the ignored tail", () => {
    const report = tiny(6).inspect("a red star on a blue background");
    expect(report).toMatchObject({ count: 7, limit: 4, ignored: "a blue background", unknownWords: [] });
  });
});
