import type { PromptPiece } from "./attention";

/** Prompt tokens per chunk; with the start and end tokens a chunk fills CLIP's 77 positions. */
export const CHUNK_TOKENS = 75;
export const CHUNK_LENGTH = CHUNK_TOKENS + 2;
/** A1111's default `comma_padding_backtrack`: how far back a comma may be to move a chunk's tail past it. */
export const COMMA_BACKTRACK = 20;

export interface ChunkVocabulary {
  /** Token ids of a piece of text, without start or end tokens. */
  tokenize: (text: string) => number[];
  commaId: number;
  startId: number;
  endId: number;
  /** What fills a chunk after its end token: the end token again for SD 1.x's CLIP, 0 for OpenCLIP (SD 2.x, SDXL's second encoder). */
  padId: number;
}

/** One encoder input: 77 token ids and the attention weight of each. */
export interface PromptChunk {
  ids: Int32Array;
  weights: Float32Array;
}

export interface ChunkedPrompt {
  chunks: PromptChunk[];
  /** A1111's token counter: tokens used, counting every chunk but the last as a full 75. */
  tokenCount: number;
}

/**
 * A1111's `tokenize_line` (modules/sd_hijack_clip.py): the weighted pieces' tokens fill chunks of 75; a full
 * chunk whose last comma is at most `commaBacktrack` tokens back moves the tokens after that comma into the
 * next chunk; BREAK closes a chunk early; each chunk is padded to 75 and framed by start and end tokens
 * (weight 1). An empty prompt is one chunk. Textual-inversion embeddings are not looked up.
 */
export function chunkPrompt(pieces: PromptPiece[], vocab: ChunkVocabulary, commaBacktrack = COMMA_BACKTRACK): ChunkedPrompt {
  const chunks: PromptChunk[] = [];
  let ids: number[] = [];
  let weights: number[] = [];
  let tokenCount = 0;
  let lastComma = -1;

  const close = (isLast: boolean) => {
    tokenCount += isLast ? ids.length : CHUNK_TOKENS;
    chunks.push(frame(ids, weights, vocab));
    ids = [];
    weights = [];
    lastComma = -1;
  };

  for (const piece of pieces) {
    if (piece.kind === "break") {
      close(false);
      continue;
    }
    for (const id of vocab.tokenize(piece.text)) {
      if (id === vocab.commaId) {
        lastComma = ids.length;
      } else if (commaBacktrack !== 0 && ids.length === CHUNK_TOKENS && lastComma !== -1 && ids.length - lastComma <= commaBacktrack) {
        const cut = lastComma + 1;
        const [movedIds, movedWeights] = [ids.slice(cut), weights.slice(cut)];
        [ids, weights] = [ids.slice(0, cut), weights.slice(0, cut)];
        close(false);
        [ids, weights] = [movedIds, movedWeights];
      }
      if (ids.length === CHUNK_TOKENS) close(false);
      ids.push(id);
      weights.push(piece.weight);
    }
  }
  if (ids.length > 0 || chunks.length === 0) close(true);
  return { chunks, tokenCount };
}

/** Start token, the tokens, end tokens up to 77; positions after the first end token hold the pad id. */
function frame(tokens: number[], tokenWeights: number[], vocab: ChunkVocabulary): PromptChunk {
  const ids = new Int32Array(CHUNK_LENGTH).fill(vocab.endId);
  const weights = new Float32Array(CHUNK_LENGTH).fill(1);
  ids[0] = vocab.startId;
  ids.set(tokens, 1);
  weights.set(tokenWeights, 1);
  const end = ids.indexOf(vocab.endId);
  ids.fill(vocab.padId, end + 1);
  return { ids, weights };
}

/** The chunks' ids one after another: the encoder's input for a batch of `chunks.length` sequences. */
export function chunkIds(chunks: PromptChunk[]): Int32Array {
  const out = new Int32Array(chunks.length * CHUNK_LENGTH);
  chunks.forEach((c, i) => out.set(c.ids, i * CHUNK_LENGTH));
  return out;
}

/** The chunks' weights one after another, matching `chunkIds`. */
export function chunkWeights(chunks: PromptChunk[]): Float32Array {
  const out = new Float32Array(chunks.length * CHUNK_LENGTH);
  chunks.forEach((c, i) => out.set(c.weights, i * CHUNK_LENGTH));
  return out;
}
