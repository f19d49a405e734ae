import { checkSchedulerConfig, SchedulerConfigError, type SchedulerConfig } from "./schedulerConfig";

/** One ONNX file of a model, relative to the model's base; size and hash checked when known. */
export interface ModelFile {
  path: string;
  bytes?: number;
  sha256?: string;
  /** Weights stored beside the graph (ORT `externalData`), for files over one ArrayBuffer's limit. */
  externalData?: ModelFile[];
}

export type ModelPart = "text_encoder" | "text_encoder_2" | "unet" | "vae_decoder" | "vae_encoder";
export type TextEncoderPart = "text_encoder" | "text_encoder_2";

export interface TokenizerSpec {
  /** A tokenizer.json; or, with `mergesPath`, a CLIP BPE vocab.json (repos that ship no tokenizer.json). */
  path: string;
  /** merges.txt beside the vocab.json in `path`. */
  mergesPath?: string;
  /** tokenizer_config.json, whose special tokens (e.g. SD 2.x's pad "!") become added tokens as in transformers. */
  configPath?: string;
  /** special_tokens_map.json, for special tokens the config leaves out. */
  specialTokensPath?: string;
  maxLength: number;
  padId: number;
}

/** One text encoder and which of its outputs condition the U-Net. */
export interface TextEncoderSpec {
  part: TextEncoderPart;
  /** Defaults to the manifest's tokenizer. */
  tokenizer?: TokenizerSpec;
  /** Per-token states the U-Net attends to; several encoders' are concatenated (SDXL: 768 + 1280 wide). */
  hiddenStates: string;
  /** Pooled prompt embedding, fed to the U-Net as `text_embeds` (SDXL's second encoder). */
  pooled?: string;
}

export interface ModelVariant {
  id: string;
  label: string;
  /**
   * Storage precision of the weights, shown in the model picker. "q4": 4-bit MatMul weights (ORT's
   * MatMulNBits), activations in fp32; "q4f16": the same weights with fp16 activations.
   */
  precision: "fp32" | "fp16" | "q4" | "q4f16" | "int8";
  /** Whether the variant computes in half precision and so needs WebGPU's `shader-f16`. */
  requiresShaderF16: boolean;
  files: Partial<Record<ModelPart, ModelFile>> & Record<"text_encoder" | "unet" | "vae_decoder", ModelFile>;
}

export interface LatentRgbProjection {
  /** rgb[c] = bias[c] + Σ_k weights[c][k]·latent[k], in [0,1]; latents in the U-Net's space. */
  weights: number[][];
  bias: number[];
}

export interface ModelManifest {
  schemaVersion: 1;
  id: string;
  name: string;
  license: string;
  description?: string;
  tokenizer: TokenizerSpec;
  /** Width of the U-Net's encoder_hidden_states (all encoders' states side by side). */
  textEmbeddingDim: number;
  /** Default: one encoder, `text_encoder`, whose `last_hidden_state` the U-Net attends to (SD 1.x/2.x). */
  textEncoders?: TextEncoderSpec[];
  /**
   * diffusers' `addition_embed_type`: "text_time" is SDXL's micro-conditioning, where the U-Net also takes
   * the pooled prompt (`text_embeds`) and `time_ids` = original size, crop top-left, target size.
   */
  additionEmbedType?: "text_time";
  /** diffusers' `force_zeros_for_empty_prompt` (SDXL): an empty negative prompt is all zeros, not the encoded "". */
  forceZerosForEmptyPrompt?: boolean;
  /**
   * diffusers' `time_cond_proj_dim`: an LCM-distilled U-Net takes the guidance scale as an embedding this wide
   * (`timestep_cond`) and runs without a classifier-free guidance batch. Read from the graph when absent.
   */
  timeCondProjDim?: number;
  latentChannels: number;
  vaeScaleFactor: number;
  scalingFactor: number;
  /** Bytes of the VAE decoder's largest activation per output pixel, to decide when to tile (SD: 512). */
  vaeDecoderBytesPerPixel?: number;
  sizes: { native: number; min: number; max: number; multiple: number };
  scheduler: SchedulerConfig;
  defaults: { sampler: string; steps: number; guidance: number; width: number; height: number };
  variants: ModelVariant[];
  latentRgb: LatentRgbProjection;
}

export class ManifestError extends Error {
  override name = "ManifestError";
}

function need(cond: unknown, what: string): asserts cond {
  if (!cond) throw new ManifestError(`The model manifest is invalid: ${what}.`);
}

/** Checks the fields the engine relies on, so a bad manifest fails at load with a clear message. */
export function parseManifest(json: unknown): ModelManifest {
  need(typeof json === "object" && json !== null, "it is not a JSON object");
  const m = json as Partial<ModelManifest>;
  need(m.schemaVersion === 1, `unsupported schemaVersion ${String(m.schemaVersion)} (expected 1)`);
  need(typeof m.id === "string" && m.id.length > 0, "missing id");
  need(typeof m.name === "string", "missing name");
  need(m.tokenizer && typeof m.tokenizer.path === "string", "missing tokenizer.path");
  need(typeof m.textEmbeddingDim === "number", "missing textEmbeddingDim");
  need(typeof m.latentChannels === "number", "missing latentChannels");
  need(typeof m.vaeScaleFactor === "number" && typeof m.scalingFactor === "number", "missing VAE scale factors");
  need(m.sizes && m.sizes.min > 0 && m.sizes.max >= m.sizes.min && m.sizes.multiple > 0, "bad sizes");
  need(typeof m.scheduler === "object" && m.scheduler !== null, "missing scheduler config");
  try {
    checkSchedulerConfig(m.scheduler as unknown as Record<string, unknown>);
  } catch (err) {
    if (err instanceof SchedulerConfigError) need(false, `its scheduler ${err.detail}`);
    throw err;
  }
  need(m.defaults && typeof m.defaults.steps === "number", "missing defaults");
  need(Array.isArray(m.variants) && m.variants.length > 0, "no variants");
  for (const v of m.variants) {
    need(v.files?.text_encoder && v.files.unet && v.files.vae_decoder, `variant ${v.id} lacks a text encoder, U-Net or VAE decoder`);
    for (const e of m.textEncoders ?? []) need(v.files[e.part], `variant ${v.id} lacks the ${e.part} its textEncoders name`);
  }
  if (m.textEncoders) {
    need(m.textEncoders.length > 0 && m.textEncoders.every((e) => typeof e.hiddenStates === "string"), "textEncoders need hiddenStates outputs");
  }
  if (m.additionEmbedType !== undefined) {
    need(m.additionEmbedType === "text_time", `unsupported additionEmbedType "${String(m.additionEmbedType)}"`);
    need(
      m.textEncoders?.some((e) => e.pooled),
      "additionEmbedType text_time needs a text encoder with a pooled output",
    );
  }
  need(m.latentRgb && m.latentRgb.weights.length === 3 && m.latentRgb.bias.length === 3, "bad latentRgb projection");
  return m as ModelManifest;
}

/** A manifest from its JSON text (a model.json's contents): the one place manifests are read from text. */
export function parseManifestJson(text: string): ModelManifest {
  return parseManifest(JSON.parse(text));
}
