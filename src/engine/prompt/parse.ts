import { type PromptPiece, parsePromptAttention } from "./attention";
import { type ExtraNetworkTag, parseExtraNetworks } from "./extraNetworks";

export interface ParsedPrompt {
  /** Weighted text and BREAKs, ready for `chunkPrompt`. */
  pieces: PromptPiece[];
  /** `<lora:…>` and other extra-network tags, in prompt order; they are not part of the text. */
  tags: ExtraNetworkTag[];
}

/** A prompt as A1111 reads it: extra-network tags taken out first, then emphasis parsed in what is left. */
export function parsePrompt(prompt: string): ParsedPrompt {
  const { text, tags } = parseExtraNetworks(prompt);
  return { pieces: parsePromptAttention(text), tags };
}
