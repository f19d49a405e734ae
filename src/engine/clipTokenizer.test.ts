import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import goldens from "../models/__fixtures__/twins/references/tokenizer_goldens.json";
import type { TokenizerSpec } from "../manifest";
import { loadPromptTokenizer, type TokenizerFiles } from "./tokenizer";

/**
 * Prompt ids from a repo's own tokenizer files against transformers' CLIPTokenizer loaded from the same folder
 * (padding "max_length", 77, truncation; tools/twins/), for both pad conventions (SD 2.x's "!", SD 1.x's end
 * token) and both layouts (vocab.json + merges.txt, or a tokenizer.json).
 */
const TWINS = join(__dirname, "../models/__fixtures__/twins");
const files: TokenizerFiles = {
  text: async (path) => readFileSync(join(TWINS, path), "utf8"),
  json: async (path) => JSON.parse(readFileSync(join(TWINS, path), "utf8")) as unknown,
};
const has = (path: string) => existsSync(join(TWINS, path));

/** Each folder's files as a manifest would list them: its tokenizer.json, else vocab.json + merges.txt; its configs. */
const spec = (folder: string, padId: number): TokenizerSpec => ({
  ...(has(`${folder}/tokenizer.json`) ? { path: `${folder}/tokenizer.json` } : { path: `${folder}/vocab.json`, mergesPath: `${folder}/merges.txt` }),
  ...(has(`${folder}/tokenizer_config.json`) ? { configPath: `${folder}/tokenizer_config.json` } : {}),
  ...(has(`${folder}/special_tokens_map.json`) ? { specialTokensPath: `${folder}/special_tokens_map.json` } : {}),
  maxLength: 77,
  padId,
});

describe.each(Object.keys(goldens.tokenizers) as (keyof typeof goldens.tokenizers)[])("CLIP tokenizer from %s", (folder) => {
  const golden = goldens.tokenizers[folder];
  const tokenizer = loadPromptTokenizer(spec(folder, golden.padId), files);

  it(`gives transformers' ids for all ${goldens.prompts.length} prompts (pad "${golden.padToken}")`, async () => {
    const t = await tokenizer;
    const ours = goldens.prompts.map((p) => Array.from(t.encode(p)));
    for (let i = 0; i < goldens.prompts.length; i++) expect(ours[i], JSON.stringify(goldens.prompts[i])).toEqual(golden.ids[i]);
  });
});
