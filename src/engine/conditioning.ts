import { ModelLoadError } from "../errors";
import type { ModelManifest, TextEncoderSpec } from "../manifest";
import type { ModelSession, OrtTensor, Runtime } from "./runtime";
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

/**
 * Encodes the prompts (batch order kept: [negative, positive] under guidance) with every text encoder
 * and lays the results out as the U-Net's inputs: `encoder_hidden_states` (encoders side by side)
 * and, for SDXL's "text_time" conditioning, `text_embeds` and `time_ids`.
 */
export async function encodePrompts(
  manifest: ModelManifest,
  encoders: LoadedTextEncoder[],
  runtime: Runtime,
  prompts: string[],
  size: { width: number; height: number },
  zeroed: boolean[] = prompts.map(() => false),
): Promise<UnetConditioning> {
  const states: { data: Float32Array; width: number }[] = [];
  let pooled: { data: Float32Array; width: number } | undefined;
  let length = 0;
  for (const enc of encoders) {
    const ids = new Int32Array(prompts.length * enc.maxLength);
    prompts.forEach((p, b) => ids.set(enc.tokenizer.encode(p), b * enc.maxLength));
    const out = await enc.session.run({ input_ids: runtime.tensor("int32", ids, [prompts.length, enc.maxLength]) });
    const hidden = output(out, enc, enc.spec.hiddenStates, manifest.textEncoders === undefined);
    length = hidden.dims[1];
    states.push({ data: hidden.data as Float32Array, width: hidden.dims[2] });
    if (enc.spec.pooled) {
      const p = output(out, enc, enc.spec.pooled, false);
      pooled = { data: p.data as Float32Array, width: p.dims[1] };
    }
  }
  const batch = prompts.length;
  const width = sum(states.map((s) => s.width));
  const hidden = zeroRows(concatLastDim(states, batch * length), zeroed, length * width);
  const conditioning: UnetConditioning = { encoder_hidden_states: runtime.tensor("float32", hidden, [batch, length, width]) };
  if (manifest.additionEmbedType === "text_time") {
    if (!pooled) throw new ModelLoadError(`${manifest.name} needs a pooled text embedding, but no text encoder gives one.`);
    conditioning.text_embeds = runtime.tensor("float32", zeroRows(pooled.data, zeroed, pooled.width), [batch, pooled.width]);
    const ids = timeIds(size.width, size.height);
    conditioning.time_ids = runtime.tensor("float32", Float32Array.from({ length: batch * ids.length }, (_, i) => ids[i % ids.length]), [
      batch,
      ids.length,
    ]);
  }
  return conditioning;
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
