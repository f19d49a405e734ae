import { Tokenizer } from "@huggingface/tokenizers";

export interface PromptTokenizer {
  /** Token ids padded or truncated to exactly maxLength, ending with the end-of-text token. */
  encode(text: string): Int32Array;
}

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
  return {
    encode(text) {
      let ids = tokenizer.encode(text).ids;
      if (ids.length > maxLength) ids = [...ids.slice(0, maxLength - 1), ids[ids.length - 1]];
      const out = new Int32Array(maxLength).fill(padId);
      out.set(ids);
      return out;
    },
  };
}
