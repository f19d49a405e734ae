import { readFileSync } from "node:fs";
import { gunzipSync } from "fflate";
import { Tokenizer } from "@huggingface/tokenizers";
import type { ChunkVocabulary } from "./chunks";

/** Goldens written by tools/reference/prompt_reference.py from AUTOMATIC1111's own code. */
export function golden<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${name}.json`, import.meta.url), "utf8")) as T;
}

/** CLIP's real BPE vocabulary (the one the goldens were tokenized with), as SD 1.x's encoder reads it. */
export function clipVocabulary(padId: number): ChunkVocabulary {
  const json: unknown = JSON.parse(
    new TextDecoder().decode(gunzipSync(readFileSync(new URL("./__fixtures__/clip-tokenizer.json.gz", import.meta.url)))),
  );
  const tokenizer = new Tokenizer(json as object, {});
  const id = (token: string) => {
    const found = tokenizer.token_to_id(token);
    if (found === undefined) throw new Error(`the fixture tokenizer has no ${token}`);
    return found;
  };
  return {
    tokenize: (text) => tokenizer.encode(text, { add_special_tokens: false }).ids,
    commaId: id(",</w>"),
    startId: id("<|startoftext|>"),
    endId: id("<|endoftext|>"),
    padId,
  };
}
