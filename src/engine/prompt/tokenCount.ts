import { DEFAULT_PROMPT_SYNTAX, type PromptSyntax } from "../../params";
import { CHUNK_TOKENS, type ChunkVocabulary, chunkPrompt } from "./chunks";
import { parsePrompt } from "./parse";

/** A1111's prompt counter ("80/150"): the tokens a prompt uses and the room its chunks give. */
export interface PromptTokenCount {
  tokens: number;
  capacity: number;
}

/**
 * The counter A1111 shows under the prompt (modules/ui.py update_token_counter): extra-network tags left out,
 * tokens as `tokenize_line` counts them (every chunk but the last counts as a full 75, so BREAK and comma
 * backtracking use room), capacity rounded up to whole chunks. Plain prompts have one chunk's room; tokens
 * past it are cut.
 */
export function countPromptTokens(text: string, tokenizer: ChunkVocabulary, syntax: PromptSyntax = DEFAULT_PROMPT_SYNTAX): PromptTokenCount {
  if (syntax === "plain") return { tokens: tokenizer.tokenize(text).length, capacity: CHUNK_TOKENS };
  const { tokenCount } = chunkPrompt(parsePrompt(text).pieces, tokenizer);
  return { tokens: tokenCount, capacity: Math.ceil(Math.max(tokenCount, 1) / CHUNK_TOKENS) * CHUNK_TOKENS };
}
