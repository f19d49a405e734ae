import { Tokenizer } from "@huggingface/tokenizers";
import type { PromptTokens } from "../protocol";

export interface PromptTokenizer {
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
 */
export function createPromptTokenizer(
  tokenizerJson: object,
  tokenizerConfig: object,
  { maxLength, padId }: { maxLength: number; padId: number },
): PromptTokenizer {
  const tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
  const special = new Set(Array.from(tokenizer.get_added_tokens_decoder().values(), (t) => t.content));
  const unk = (tokenizerJson as { model?: { unk_token?: string } }).model?.unk_token;
  const vocab = [...tokenizer.get_vocab(false).keys()].filter((t) => !special.has(t) && t !== unk);
  const vocabulary = vocab.length <= LISTABLE_VOCABULARY ? vocab : undefined;
  const limit = maxLength - 2;
  return {
    inspect(text) {
      const ids = tokenizer.encode(text, { add_special_tokens: false }).ids;
      const ignored = ids.length > limit ? tokenizer.decode(ids.slice(limit), { skip_special_tokens: true }) : undefined;
      const known = new Set(vocabulary);
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
