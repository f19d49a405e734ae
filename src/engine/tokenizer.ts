import { Tokenizer } from "@huggingface/tokenizers";
import type { TokenizerSpec } from "../manifest";
import type { PromptTokens } from "../protocol";
import { clipTokenizerJson, specialTokensOf, withSpecialTokens } from "./clipTokenizer";
import type { ChunkVocabulary } from "./prompt/chunks";

/**
 * A text encoder's tokenizer, for plain prompts (`encode`, as diffusers' pipelines tokenize) and for A1111's
 * chunked, weighted prompts (the `ChunkVocabulary`: ids without start/end tokens, and the special ids).
 */
export interface PromptTokenizer extends ChunkVocabulary {
  /** Token ids padded or truncated to exactly maxLength, ending with the end-of-text token. */
  encode(text: string): Int32Array;
  /** How the prompt fares, for the prompt help: tokens used and seen, the ignored tail, unknown words. */
  inspect(text: string): PromptTokens;
}

/** Vocabularies up to this size are word lists worth showing (the built-in model's); CLIP's 49,408 BPE pieces are not. */
const LISTABLE_VOCABULARY = 1000;

/** Words as a prompt help reads them: letters and digits, lower-cased (the tokenizers we ship lower-case too). */
const words = (text: string): string[] => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

/**
 * CLIP-style prompt encoding on top of a tokenizer.json: the tokenizer adds start/end tokens;
 * a long prompt is cut but keeps its end token (as CLIP's truncation does), then padded.
 * The start and end ids are the ones it puts around the empty prompt; the comma is CLIP's ",</w>", which A1111
 * looks up (none in other vocabularies: their prompts are chunked without comma backtracking).
 */
export function createPromptTokenizer(
  tokenizerJson: object,
  tokenizerConfig: object,
  { maxLength, padId }: { maxLength: number; padId: number },
): PromptTokenizer {
  const tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
  const framing = tokenizer.encode("").ids;
  if (framing.length !== 2) {
    throw new TypeError(`The tokenizer frames a prompt with ${framing.length} special tokens; a CLIP tokenizer adds a start and an end token.`);
  }
  const tokenize = (text: string) => tokenizer.encode(text, { add_special_tokens: false }).ids;
  const special = new Set(Array.from(tokenizer.get_added_tokens_decoder().values(), (t) => t.content));
  const unk = (tokenizerJson as { model?: { unk_token?: string } }).model?.unk_token;
  const vocab = [...tokenizer.get_vocab(false).keys()].filter((t) => !special.has(t) && t !== unk);
  const vocabulary = vocab.length <= LISTABLE_VOCABULARY ? vocab : undefined;
  const known = new Set(vocabulary);
  const limit = maxLength - 2;
  return {
    tokenize,
    startId: framing[0],
    endId: framing[1],
    padId,
    commaId: tokenizer.token_to_id(",</w>") ?? -1,
    inspect(text) {
      const ids = tokenize(text);
      const ignored = ids.length > limit ? tokenizer.decode(ids.slice(limit), { skip_special_tokens: true }) : undefined;
      const unknownWords = vocabulary ? [...new Set(words(text).filter((w) => !known.has(w)))] : [];
      return { count: ids.length, limit, ...(ignored !== undefined ? { ignored } : {}), ...(vocabulary ? { vocabulary } : {}), unknownWords };
    },
    encode(text) {
      let ids = tokenizer.encode(text).ids;
      if (ids.length > maxLength) ids = [...ids.slice(0, maxLength - 1), ids[ids.length - 1]];
      const out = new Int32Array(maxLength).fill(padId);
      out.set(ids);
      return out;
    },
  };
}

/** How a tokenizer's files are read: JSON documents and plain text, by path in the model. */
export interface TokenizerFiles {
  json(path: string): Promise<unknown>;
  text(path: string): Promise<string>;
}

/**
 * The prompt tokenizer a spec describes, from the model's own files: a tokenizer.json, or CLIP's vocab.json +
 * merges.txt assembled as transformers' CLIPTokenizer does; either way with the special tokens its
 * tokenizer_config.json and special_tokens_map.json name.
 */
export async function loadPromptTokenizer(spec: TokenizerSpec, files: TokenizerFiles): Promise<PromptTokenizer> {
  const [main, config, specialTokensMap, merges] = await Promise.all([
    files.json(spec.path),
    spec.configPath ? files.json(spec.configPath) : undefined,
    spec.specialTokensPath ? files.json(spec.specialTokensPath) : undefined,
    spec.mergesPath ? files.text(spec.mergesPath) : undefined,
  ]);
  if (typeof main !== "object" || main === null) throw new TypeError(`${spec.path} is not a JSON object.`);
  const json =
    merges === undefined
      ? withSpecialTokens(main as Record<string, unknown>, Object.values(specialTokensOf(config, specialTokensMap)))
      : clipTokenizerJson(main as Record<string, number>, merges, config, specialTokensMap);
  return createPromptTokenizer(json, typeof config === "object" && config !== null ? config : {}, spec);
}
