import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import goldens from "../models/__fixtures__/twins/references/tokenizer_goldens.json";
import { loadPromptTokenizer, type TokenizerFiles } from "./tokenizer";

/**
 * Prompt ids from a repo's own tokenizer files against transformers' CLIPTokenizer loaded from the same folder
 * (padding "max_length", 77, truncation; tools/twins/), for both pad conventions: SD 2.x's "!" and SD 1.x's end token.
 */
const TWINS = join(__dirname, "../models/__fixtures__/twins");
const files: TokenizerFiles = {
  text: async (path) => readFileSync(join(TWINS, path), "utf8"),
  json: async (path) => JSON.parse(readFileSync(join(TWINS, path), "utf8")) as unknown,
};
const FOLDERS = ["schmuell/sd-turbo-ort-web/tokenizer", "aislamov/lcm-dreamshaper-v7-onnx/tokenizer"] as const;

describe.each(FOLDERS)("CLIP tokenizer from %s/vocab.json + merges.txt", (folder) => {
  const golden = goldens.tokenizers[folder];
  const tokenizer = loadPromptTokenizer(
    {
      path: `${folder}/vocab.json`,
      mergesPath: `${folder}/merges.txt`,
      configPath: `${folder}/tokenizer_config.json`,
      specialTokensPath: `${folder}/special_tokens_map.json`,
      maxLength: 77,
      padId: golden.padId,
    },
    files,
  );

  it(`gives transformers' ids for all ${goldens.prompts.length} prompts (pad "${golden.padToken}")`, async () => {
    const t = await tokenizer;
    const ours = goldens.prompts.map((p) => Array.from(t.encode(p)));
    for (let i = 0; i < goldens.prompts.length; i++) expect(ours[i], JSON.stringify(goldens.prompts[i])).toEqual(golden.ids[i]);
  });
});
