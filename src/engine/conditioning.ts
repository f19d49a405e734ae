import { ModelLoadError } from "../errors";
import type { ModelManifest, TextEncoderSpec } from "../manifest";
import type { ModelSession, OrtTensor, Runtime } from "./runtime";
import { DEFAULT_PROMPT_SYNTAX, type PromptSyntax } from "../params";
import { type ChunkedPrompt, CHUNK_LENGTH, CHUNK_TOKENS, chunkIds, chunkPrompt, chunkWeights } from "./prompt/chunks";
import { applyEmphasis, padWithEmptyChunks } from "./prompt/emphasis";
import { parsePromptAttention } from "./prompt/attention";
import { parsePrompt } from "./prompt/parse";
import type { PromptTokenizer } from "./tokenizer";

export interface LoadedTextEncoder {
  spec: TextEncoderSpec;
  tokenizer: PromptTokenizer;
  maxLength: number;
  session: ModelSession;
}

/** What the U-Net is conditioned on, for a batch of prompts: its inputs besides `sample` and `timestep`. */
export type UnetConditioning = Record<string, OrtTensor>;

/** SD 1.x/2.x: one encoder whose last hidden state the U-Net attends to. */
const SD_TEXT_ENCODERS: TextEncoderSpec[] = [{ part: "text_encoder", hiddenStates: "last_hidden_state" }];

export function textEncoderSpecs(manifest: ModelManifest): TextEncoderSpec[] {
  return manifest.textEncoders ?? SD_TEXT_ENCODERS;
}

export interface EncodeOptions {
  /** Batch items whose conditioning is all zeros (SDXL's empty negative prompt, `force_zeros_for_empty_prompt`). */
  zeroed?: boolean[];
  /**
   * Batch items that are negative prompts. A1111 takes extra-network tags only out of the positive prompt
   * (processing.py parses `p.prompts` alone), so a negative prompt's `<lora:…>` is encoded as the text it is.
   */
  negative?: boolean[];
  syntax?: PromptSyntax;
  /** The U-Net's sequence length where its graph fixes it (77 in most exports): prompts are cut to fit. */
  fixedLength?: number;
}

/** A prompt that did not fit: batch item `index` had `tokens` tokens, of which the first `kept` were encoded. */
export interface PromptCut {
  index: number;
  tokens: number;
  kept: number;
}

export interface EncodedPrompts {
  conditioning: UnetConditioning;
  cuts: PromptCut[];
}

/** One encoder's output for the batch: hidden states [batch, length, width] and, if it has one, the pooled [batch, pooledWidth]. */
interface EncoderStates {
  hidden: Float32Array;
  width: number;
  length: number;
  pooled?: { data: Float32Array; width: number };
}

/**
 * Encodes the prompts (batch order kept: [negative, positive] under guidance) with every text encoder
 * and lays the results out as the U-Net's inputs: `encoder_hidden_states` (encoders side by side)
 * and, for SDXL's "text_time" conditioning, `text_embeds` and `time_ids`.
 *
 * A1111 syntax: each prompt is parsed and cut into 77-token chunks with each encoder's own tokenizer; the
 * chunks are encoded, weighted and laid one after another along the sequence, and every item is brought to the
 * same chunk count with the encoded empty prompt. Plain: diffusers' 77 tokens, the rest cut.
 */
export async function encodePrompts(
  manifest: ModelManifest,
  encoders: LoadedTextEncoder[],
  runtime: Runtime,
  prompts: string[],
  size: { width: number; height: number },
  { zeroed = prompts.map(() => false), negative = prompts.map(() => false), syntax = DEFAULT_PROMPT_SYNTAX, fixedLength }: EncodeOptions = {},
): Promise<EncodedPrompts> {
  const firstIfMissing = manifest.textEncoders === undefined;
  let states: EncoderStates[];
  let cuts: PromptCut[];
  if (syntax === "plain") {
    states = await Promise.all(encoders.map((enc) => encodePlain(enc, runtime, prompts, firstIfMissing)));
    cuts = plainCuts(encoders[0], prompts);
  } else {
    const pieces = prompts.map((p, b) => (negative[b] ? parsePromptAttention(p) : parsePrompt(p).pieces));
    const chunked = encoders.map((enc) => pieces.map((p) => chunkPrompt(p, enc.tokenizer)));
    const most = Math.max(...chunked.flat().map((c) => c.chunks.length));
    const chunkCount = fixedLength !== undefined && fixedLength % CHUNK_LENGTH === 0 ? fixedLength / CHUNK_LENGTH : most;
    states = [];
    for (const [e, enc] of encoders.entries()) states.push(await encodeChunked(enc, runtime, chunked[e], chunkCount, firstIfMissing));
    cuts = chunked[0].flatMap((c, index) => (c.chunks.length > chunkCount ? [{ index, tokens: c.tokenCount, kept: chunkCount * CHUNK_TOKENS }] : []));
  }
  const batch = prompts.length;
  const length = states[0].length;
  const width = sum(states.map((s) => s.width));
  const hidden = zeroRows(
    concatLastDim(
      states.map((s) => ({ data: s.hidden, width: s.width })),
      batch * length,
    ),
    zeroed,
    length * width,
  );
  const conditioning: UnetConditioning = { encoder_hidden_states: runtime.tensor("float32", hidden, [batch, length, width]) };
  if (manifest.additionEmbedType === "text_time") {
    const pooled = states.findLast((s) => s.pooled)?.pooled;
    if (!pooled) throw new ModelLoadError(`${manifest.name} needs a pooled text embedding, but no text encoder gives one.`);
    conditioning.text_embeds = runtime.tensor("float32", zeroRows(pooled.data, zeroed, pooled.width), [batch, pooled.width]);
    const ids = timeIds(size.width, size.height);
    conditioning.time_ids = runtime.tensor(
      "float32",
      Float32Array.from({ length: batch * ids.length }, (_, i) => ids[i % ids.length]),
      [batch, ids.length],
    );
  }
  return { conditioning, cuts };
}

/** diffusers' way: one row of `maxLength` ids per prompt, cut if longer. */
async function encodePlain(enc: LoadedTextEncoder, runtime: Runtime, prompts: string[], firstIfMissing: boolean): Promise<EncoderStates> {
  const ids = new Int32Array(prompts.length * enc.maxLength);
  prompts.forEach((p, b) => ids.set(enc.tokenizer.encode(p), b * enc.maxLength));
  const out = await enc.session.run({ input_ids: runtime.tensor("int32", ids, [prompts.length, enc.maxLength]) });
  const hidden = output(out, enc, enc.spec.hiddenStates, firstIfMissing);
  const pooled = enc.spec.pooled ? output(out, enc, enc.spec.pooled, false) : undefined;
  return {
    hidden: hidden.data as Float32Array,
    length: hidden.dims[1],
    width: hidden.dims[2],
    pooled: pooled && { data: pooled.data as Float32Array, width: pooled.dims[1] },
  };
}

function plainCuts(enc: LoadedTextEncoder, prompts: string[]): PromptCut[] {
  const kept = enc.maxLength - 2;
  return prompts.flatMap((p, index) => {
    const tokens = enc.tokenizer.tokenize(p).length;
    return tokens > kept ? [{ index, tokens, kept }] : [];
  });
}

/**
 * A1111's way, for one encoder: every item's chunks (at most `chunkCount`) and, when an item has fewer, the
 * empty prompt's chunk, encoded in one batch; each item's chunks weighted (`applyEmphasis`), then padded to
 * `chunkCount` with the encoded empty prompt (`padWithEmptyChunks`). The pooled output is the first chunk's.
 */
async function encodeChunked(
  enc: LoadedTextEncoder,
  runtime: Runtime,
  prompts: ChunkedPrompt[],
  chunkCount: number,
  firstIfMissing: boolean,
): Promise<EncoderStates> {
  const kept = prompts.map((p) => p.chunks.slice(0, chunkCount));
  const padded = kept.some((chunks) => chunks.length < chunkCount);
  const rows = [...kept.flat(), ...(padded ? chunkPrompt([], enc.tokenizer).chunks : [])];
  const out = await enc.session.run({ input_ids: runtime.tensor("int32", chunkIds(rows), [rows.length, CHUNK_LENGTH]) });
  const hiddenOut = output(out, enc, enc.spec.hiddenStates, firstIfMissing);
  if (hiddenOut.dims[1] !== CHUNK_LENGTH) {
    throw new ModelLoadError(
      `The ${enc.spec.part} gives ${hiddenOut.dims[1]} positions for ${CHUNK_LENGTH} tokens; weighted prompts need one state per token.`,
    );
  }
  const all = hiddenOut.data as Float32Array;
  const width = hiddenOut.dims[2];
  const chunkSize = CHUNK_LENGTH * width;
  const empty = padded ? all.subarray((rows.length - 1) * chunkSize) : undefined;
  const hidden = new Float32Array(prompts.length * chunkCount * chunkSize);
  let row = 0;
  kept.forEach((chunks, b) => {
    const weighted = applyEmphasis(all.subarray(row * chunkSize, (row + chunks.length) * chunkSize), chunkWeights(chunks), width);
    hidden.set(empty ? padWithEmptyChunks(weighted, chunkCount, empty, width) : weighted, b * chunkCount * chunkSize);
    row += chunks.length;
  });
  const pooledOut = enc.spec.pooled ? output(out, enc, enc.spec.pooled, false) : undefined;
  let pooled: EncoderStates["pooled"];
  if (pooledOut) {
    const pooledWidth = pooledOut.dims[1];
    const data = new Float32Array(prompts.length * pooledWidth);
    let first = 0;
    kept.forEach((chunks, b) => {
      data.set((pooledOut.data as Float32Array).subarray(first * pooledWidth, (first + 1) * pooledWidth), b * pooledWidth);
      first += chunks.length;
    });
    pooled = { data, width: pooledWidth };
  }
  return { hidden, width, length: chunkCount * CHUNK_LENGTH, pooled };
}

/**
 * SDXL's micro-conditioning: original size, crop top-left, target size, each (height, width). Text-to-image
 * asks for an uncropped image at the size it makes, as diffusers' pipeline does by default.
 */
export function timeIds(width: number, height: number): number[] {
  return [height, width, 0, 0, height, width];
}

/** Rows of [rows, widths[i]] matrices placed side by side: [rows, Σ widths]. */
export function concatLastDim(parts: { data: Float32Array; width: number }[], rows: number): Float32Array {
  if (parts.length === 1) return parts[0].data;
  const total = sum(parts.map((p) => p.width));
  const out = new Float32Array(rows * total);
  let offset = 0;
  for (const { data, width } of parts) {
    for (let r = 0; r < rows; r++) out.set(data.subarray(r * width, (r + 1) * width), r * total + offset);
    offset += width;
  }
  return out;
}

function zeroRows(data: Float32Array, zeroed: boolean[], perItem: number): Float32Array {
  zeroed.forEach((z, b) => z && data.fill(0, b * perItem, (b + 1) * perItem));
  return data;
}

function output(out: Record<string, OrtTensor>, enc: LoadedTextEncoder, name: string, firstIfMissing: boolean): OrtTensor {
  const tensor = out[name] ?? (firstIfMissing ? out[enc.session.outputNames[0]] : undefined);
  if (!tensor) {
    throw new ModelLoadError(
      `The ${enc.spec.part} has no output "${name}" (it has ${enc.session.outputNames.join(", ")}); the model's manifest does not match its files.`,
    );
  }
  return tensor;
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
