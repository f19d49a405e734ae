import { CHUNK_LENGTH } from "./chunks";

/**
 * A1111's "Original" emphasis (modules/sd_emphasis.py), applied to a prompt's encoded chunks laid one after
 * another, hidden [chunks·77, width] with one weight per position: each position's vector is multiplied by
 * its weight, then the chunk is rescaled so the mean of all its values is what it was before weighting.
 * A1111 encodes and rescales each 77-token chunk on its own, so the mean is kept per chunk, not over the
 * whole prompt. Float32 throughout, as A1111's tensors are.
 */
export function applyEmphasis(hidden: Float32Array, weights: Float32Array, width: number): Float32Array {
  const chunkSize = CHUNK_LENGTH * width;
  if (weights.length * width !== hidden.length || hidden.length % chunkSize !== 0) {
    throw new Error(`applyEmphasis: ${hidden.length} hidden values do not hold ${weights.length} positions of width ${width} in 77-token chunks.`);
  }
  const out = new Float32Array(hidden.length);
  for (let start = 0; start < hidden.length; start += chunkSize) {
    const chunk = hidden.subarray(start, start + chunkSize);
    const weighted = out.subarray(start, start + chunkSize);
    for (let i = 0; i < chunkSize; i++) weighted[i] = chunk[i] * weights[(start + i - (i % width)) / width];
    const scale = Math.fround(mean(chunk) / mean(weighted));
    for (let i = 0; i < chunkSize; i++) weighted[i] *= scale;
  }
  return out;
}

/** Mean rounded to float32, as torch's float32 `mean()` returns it. */
function mean(values: Float32Array): number {
  let sum = 0;
  for (const v of values) sum += v;
  return Math.fround(sum / values.length);
}

/**
 * One prompt's encoded chunks (hidden states of `width` per position, 77 positions a chunk) brought to `chunks`
 * chunks by appending copies of `empty`, the encoded empty prompt (one chunk): A1111's `pad_cond`, which its
 * `pad_cond_uncond` applies to the shorter of the prompt and the negative prompt so both fit one batch.
 */
export function padWithEmptyChunks(states: Float32Array, chunks: number, empty: Float32Array, width: number): Float32Array {
  const chunkSize = CHUNK_LENGTH * width;
  if (empty.length !== chunkSize) throw new Error(`padWithEmptyChunks: the empty prompt's encoding must be one chunk (77×${width}).`);
  if (states.length > chunks * chunkSize) throw new Error(`padWithEmptyChunks: the states hold more than ${chunks} chunks.`);
  if (states.length === chunks * chunkSize) return states;
  const out = new Float32Array(chunks * chunkSize);
  out.set(states);
  for (let at = states.length; at < out.length; at += chunkSize) out.set(empty, at);
  return out;
}
