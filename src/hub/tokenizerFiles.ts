/**
 * The files of a tokenizer folder in a diffusers repo, as transformers saves them. SD repos exported to ONNX
 * often ship no tokenizer.json but CLIP's vocab.json + merges.txt, from which the engine assembles the tokenizer
 * as transformers' CLIPTokenizer does. Shared by the catalog (which lists them) and custom-model lookup (which
 * probes for them), so both name the same files.
 */
import type { TokenizerSpec } from "../manifest";

export const TOKENIZER_FILES = {
  json: "tokenizer.json",
  vocab: "vocab.json",
  merges: "merges.txt",
  config: "tokenizer_config.json",
  specialTokens: "special_tokens_map.json",
} as const;

/** CLIP's context: 77 tokens, start and end included (CLIPTextModel's max_position_embeddings). */
export const CLIP_MAX_LENGTH = 77;

/** Ids in CLIP's vocabulary of the pad tokens SD repos configure: "!" (SD 2.x, OpenCLIP bigG) and the end token (SD 1.x, CLIP ViT-L). */
export const CLIP_PAD_IDS: Readonly<Record<string, number>> = { "!": 0, "<|endoftext|>": 49407 };

/** A CLIP tokenizer assembled from `folder`'s vocab.json and merges.txt, with its config and special tokens. */
export function clipTokenizerFiles(folder: string, padId: number): Required<TokenizerSpec> {
  return {
    path: `${folder}/${TOKENIZER_FILES.vocab}`,
    mergesPath: `${folder}/${TOKENIZER_FILES.merges}`,
    configPath: `${folder}/${TOKENIZER_FILES.config}`,
    specialTokensPath: `${folder}/${TOKENIZER_FILES.specialTokens}`,
    maxLength: CLIP_MAX_LENGTH,
    padId,
  };
}
