/**
 * Custom models: a Hugging Face repo id (`owner/name`, optionally `@revision`) or the address of a repo
 * on any hub with the same layout, turned into a catalog entry. The repo's own `model.json` (our manifest
 * schema) wins; without one, the manifest is inferred from the diffusers layout of an ONNX export (SD 1.x/2.x,
 * or SDXL with its second text encoder): `model_index.json`, the scheduler's and the parts' config.json files,
 * and which ONNX files exist.
 * Pure apart from the HubReader it is given, so tests feed it fixtures; customModelRef.ts reads the input.
 */
import { errorMessage } from "../errors";
import {
  parseManifest,
  type ModelFile,
  type ModelManifest,
  type ModelPart,
  type ModelVariant,
  type TextEncoderSpec,
  type TokenizerSpec,
} from "../manifest";
import { SchedulerConfigError, schedulerFromDiffusers, type SchedulerConfig } from "../schedulerConfig";
import type { SamplerName } from "../params";
import { variantFiles, type HubCatalogEntry, type HubFileOverride } from "../hub/hubModel";
import { CLIP_MAX_LENGTH, CLIP_PAD_IDS, TOKENIZER_FILES } from "../hub/tokenizerFiles";
import { SD_LATENT_RGB, SDXL_LATENT_RGB } from "./catalog";
import { customModelId, type ModelRef } from "./customModelRef";
import { ModelConfigError, ModelRepoNotFoundError, NoOnnxFilesError } from "./errors";

export interface CustomModelEntry extends HubCatalogEntry {
  custom: {
    /** What the user typed, shown back in the picker. */
    input: string;
    /** Whether the manifest was inferred from the diffusers layout rather than read from the repo's model.json. */
    inferred: boolean;
    addedAt: number;
  };
}

/** What resolving needs from a hub; both answer undefined when the file does not exist (HTTP 404). */
export interface HubReader {
  json(file: HubFileOverride): Promise<unknown>;
  /** bytes is absent when the hub does not say (no Content-Length). */
  stat(file: HubFileOverride): Promise<{ bytes?: number } | undefined>;
}

/** Reads the repo's model.json, or infers a manifest from its diffusers layout; checks every file it will download exists. */
export async function resolveCustomModel(input: string, ref: ModelRef, hub: HubReader, now = Date.now()): Promise<CustomModelEntry> {
  const at = (path: string): HubFileOverride => ({ repo: ref.repo, revision: ref.revision, path });
  const own = await hub.json(at("model.json"));
  const found = own !== undefined ? ownManifest(ref, own) : await inferManifest(ref, hub);
  const label = ref.revision === "main" ? ref.repo : `${ref.repo}@${ref.revision}`;
  const manifest: ModelManifest = {
    ...found,
    id: customModelId(ref),
    name: label,
    description: `${found.description ? `${found.description} ` : ""}Added from ${ref.hubBase}/${ref.repo}.`,
  };
  const source = { hub: "hf" as const, repo: ref.repo, revision: ref.revision, base: ref.hubBase };
  const files = new Map(manifest.variants.flatMap((v) => variantFiles(manifest, v.id)).map((f) => [f.path, f]));
  const sizes = new Map<string, number>();
  await Promise.all(
    [...files.values()].map(async (file) => {
      const stat = await hub.stat(at(file.path));
      if (!stat) {
        throw ModelConfigError.of(
          ref,
          own !== undefined ? `its model.json lists ${file.path}, which the repository does not have` : `${ref.repo}/${file.path} is not on the hub`,
        );
      }
      sizes.set(file.path, file.bytes ?? stat.bytes ?? 0);
    }),
  );
  const downloadBytes = Object.fromEntries(
    manifest.variants.map((v) => [v.id, variantFiles(manifest, v.id).reduce((sum, f) => sum + (sizes.get(f.path) ?? 0), 0)]),
  );
  return { kind: "hub", manifest, source, downloadBytes, custom: { input: input.trim(), inferred: own === undefined, addedAt: now } };
}

function ownManifest(ref: ModelRef, json: unknown): ModelManifest {
  try {
    return parseManifest(json);
  } catch (err) {
    throw ModelConfigError.of(ref, `its model.json is not valid (${errorMessage(err)})`);
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
/** diffusers allows a per-block list for some widths; a model whose blocks differ is not one we can describe. */
const width = (v: unknown): number | undefined => (Array.isArray(v) && v.every((x) => x === v[0]) ? num(v[0]) : num(v));

/** File suffixes of the precisions exported beside each other (transformers.js's naming). */
const PRECISIONS: { precision: ModelVariant["precision"]; suffix: string }[] = [
  { precision: "fp32", suffix: "" },
  { precision: "fp16", suffix: "_fp16" },
  { precision: "q4", suffix: "_q4" },
  { precision: "q4f16", suffix: "_q4f16" },
  { precision: "int8", suffix: "_int8" },
];
const SD_PARTS: readonly ModelPart[] = ["text_encoder", "unet", "vae_decoder"];
const SDXL_PARTS: readonly ModelPart[] = ["text_encoder", "text_encoder_2", "unet", "vae_decoder"];
/** Names ORT and PyTorch exporters give the weights they keep beside a graph over 2 GB. */
const EXTERNAL_DATA_SUFFIXES = ["_data", ".data"];

async function inferManifest(ref: ModelRef, hub: HubReader): Promise<ModelManifest> {
  const at = (path: string): HubFileOverride => ({ repo: ref.repo, revision: ref.revision, path });
  const json = async (path: string): Promise<Json | undefined> => {
    const value = await hub.json(at(path));
    if (value !== undefined && !isObject(value)) throw ModelConfigError.of(ref, `${path} is not a JSON object`);
    return value;
  };
  const index = await json("model_index.json");
  if (!index) throw ModelRepoNotFoundError.of(ref, "the repository has neither a model.json nor a model_index.json (or does not exist)");
  const sdxl = "text_encoder_2" in index;

  const [variants, schedulerConfig, unet, textEncoder, textEncoder2, vae, tokenizerConfig, tokenizer2Config] = await Promise.all([
    variantsFrom(ref, hub, sdxl ? SDXL_PARTS : SD_PARTS),
    json("scheduler/scheduler_config.json"),
    json("unet/config.json"),
    json("text_encoder/config.json"),
    sdxl ? json("text_encoder_2/config.json") : undefined,
    json("vae_decoder/config.json").then((c) => c ?? json("vae/config.json")),
    json(`tokenizer/${TOKENIZER_FILES.config}`),
    sdxl ? json(`tokenizer_2/${TOKENIZER_FILES.config}`) : undefined,
  ]);
  if (!schedulerConfig) throw ModelConfigError.of(ref, "scheduler/scheduler_config.json is missing");
  const { scheduler, sampler } = schedulerFrom(ref, schedulerConfig);
  const dims = dimensionsFrom(ref, sdxl, unet, sdxl ? [textEncoder, textEncoder2] : [textEncoder], vae);
  const tokenizer = await tokenizerFrom(ref, hub, "tokenizer", index, tokenizerConfig, textEncoder);
  const sdxlParts = sdxl ? await sdxlConditioning(ref, hub, index, textEncoder, textEncoder2, tokenizer2Config) : undefined;
  // an LCM-distilled U-Net embeds the guidance scale (w = g − 1) instead of running a guidance batch: the LCM
  // paper's and diffusers' examples use 4 steps at 8; an LCM-LoRA-fused model samples with LCM at ~1 (no guidance)
  const timeCondProjDim = num(unet?.time_cond_proj_dim);
  const lcm = sampler === "LCM" || timeCondProjDim !== undefined;
  // SD-Turbo and SDXL-Turbo (adversarial diffusion distillation) ship trailing Euler schedulers and run 1–4 steps
  // without guidance; a plain SD or SDXL repo's scheduler spaces its timesteps "leading"
  const turbo = !lcm && /turbo/i.test(ref.repo) && scheduler.timestep_spacing === "trailing";
  const defaults = lcm
    ? { sampler: "LCM", steps: 4, guidance: timeCondProjDim !== undefined ? 8 : 1 }
    : turbo
      ? { sampler, steps: 1, guidance: 0 }
      : { sampler, steps: 20, guidance: 7.5 };
  const notes = vae
    ? ""
    : ` No VAE config was found, so ${sdxl ? "SDXL's VAE (8× scale, factor 0.13025)" : "Stable Diffusion's VAE (8× scale, factor 0.18215)"} is assumed.`;
  const manifest: ModelManifest = {
    schemaVersion: 1,
    id: customModelId(ref),
    name: ref.repo,
    license: "See the repository's model card",
    description: `Described from the repository's diffusers configs.${notes}`,
    tokenizer,
    textEmbeddingDim: dims.textEmbeddingDim,
    ...sdxlParts,
    ...(timeCondProjDim !== undefined ? { timeCondProjDim } : {}),
    latentChannels: dims.latentChannels,
    vaeScaleFactor: dims.vaeScaleFactor,
    scalingFactor: dims.scalingFactor,
    sizes: dims.sizes,
    scheduler,
    defaults: { ...defaults, width: dims.sizes.native, height: dims.sizes.native },
    variants,
    latentRgb:
      dims.latentChannels === 4
        ? sdxl
          ? SDXL_LATENT_RGB
          : SD_LATENT_RGB
        : // no known projection for other latent spaces: previews stay grey, the final image is unaffected
          { weights: [0, 1, 2].map(() => new Array<number>(dims.latentChannels).fill(0)), bias: [0.5, 0.5, 0.5] },
  };
  return manifest;
}

/**
 * SDXL's conditioning as diffusers' StableDiffusionXLPipeline builds it: both encoders' penultimate hidden
 * states side by side (optimum's ONNX exports name them `hidden_states.<layers − 1>`), the second encoder's
 * projected pooled output (`text_embeds`), the "text_time" embedding, and zeros for an empty negative prompt
 * unless model_index.json says otherwise.
 */
async function sdxlConditioning(
  ref: ModelRef,
  hub: HubReader,
  index: Json,
  textEncoder: Json | undefined,
  textEncoder2: Json | undefined,
  tokenizer2Config: Json | undefined,
): Promise<Pick<ModelManifest, "textEncoders" | "additionEmbedType" | "forceZerosForEmptyPrompt">> {
  const penultimate = (config: Json | undefined, part: string) => {
    const layers = num(config?.num_hidden_layers);
    if (layers === undefined) {
      throw ModelConfigError.of(ref, `${part}/config.json (num_hidden_layers) is missing; it names the hidden states SDXL's U-Net attends to`);
    }
    return `hidden_states.${layers - 1}`;
  };
  const tokenizer2 = await tokenizerFrom(ref, hub, "tokenizer_2", index, tokenizer2Config, textEncoder2);
  const textEncoders: TextEncoderSpec[] = [
    { part: "text_encoder", hiddenStates: penultimate(textEncoder, "text_encoder") },
    { part: "text_encoder_2", tokenizer: tokenizer2, hiddenStates: penultimate(textEncoder2, "text_encoder_2"), pooled: "text_embeds" },
  ];
  const forceZeros = typeof index.force_zeros_for_empty_prompt === "boolean" ? index.force_zeros_for_empty_prompt : true;
  return { textEncoders, additionEmbedType: "text_time", forceZerosForEmptyPrompt: forceZeros };
}

/** diffusers' scheduler_config.json → our SchedulerConfig and the sampler it names; what we cannot reproduce is named. */
function schedulerFrom(ref: ModelRef, cfg: Json): { scheduler: SchedulerConfig; sampler: SamplerName } {
  try {
    return schedulerFromDiffusers(cfg);
  } catch (err) {
    if (err instanceof SchedulerConfigError) throw ModelConfigError.of(ref, `its scheduler ${err.detail}`);
    throw err;
  }
}

interface Dimensions {
  textEmbeddingDim: number;
  latentChannels: number;
  vaeScaleFactor: number;
  scalingFactor: number;
  sizes: ModelManifest["sizes"];
}

/** Widths and sizes from the U-Net's, text encoders' and VAE's configs; the text width has no safe default. */
function dimensionsFrom(ref: ModelRef, sdxl: boolean, unet: Json | undefined, textEncoders: (Json | undefined)[], vae: Json | undefined): Dimensions {
  // inputs beyond text and time that the U-Net would declare and the engine cannot feed: refused before any download
  const unfed = [
    unet?.class_embed_type != null || unet?.num_class_embeds != null ? "class_labels (class_embed_type)" : undefined,
    unet?.encoder_hid_dim_type != null ? `image or text projections (encoder_hid_dim_type "${String(unet?.encoder_hid_dim_type)}")` : undefined,
  ].filter((x) => x !== undefined);
  if (unfed.length > 0) throw ModelConfigError.of(ref, `its U-Net takes ${unfed.join(" and ")}, which this app cannot feed`);
  const addition = unet?.addition_embed_type ?? undefined;
  if (addition !== undefined && !(sdxl && addition === "text_time")) {
    throw ModelConfigError.of(
      ref,
      sdxl
        ? `its U-Net takes "${String(addition)}" conditioning; SDXL's is "text_time"`
        : `its U-Net takes extra conditioning ("${String(addition)}") but the repo has one text encoder`,
    );
  }
  // the U-Net attends to the text encoders' per-token states (side by side): cross_attention_dim, or the sum of
  // the encoders' hidden_size (not projection_dim, which is the pooled embedding's width)
  const hidden = textEncoders.map((c) => num(c?.hidden_size));
  const summed = hidden.every((h) => h !== undefined) ? hidden.reduce((a, b) => a + b, 0) : undefined;
  const textEmbeddingDim = width(unet?.cross_attention_dim) ?? summed;
  if (textEmbeddingDim === undefined) {
    const encoders = sdxl ? "text_encoder/ and text_encoder_2/config.json" : "text_encoder/config.json";
    throw ModelConfigError.of(
      ref,
      `the text embedding width is unknown: neither unet/config.json (cross_attention_dim) nor ${encoders} (hidden_size) is there`,
    );
  }
  const latentChannels = num(vae?.latent_channels) ?? num(unet?.out_channels) ?? 4;
  const inChannels = num(unet?.in_channels) ?? latentChannels;
  if (inChannels !== latentChannels) {
    throw ModelConfigError.of(
      ref,
      `its U-Net takes ${inChannels} input channels for ${latentChannels} latent channels (an inpainting or otherwise conditioned U-Net)`,
    );
  }
  const vaeBlocks = Array.isArray(vae?.block_out_channels) ? vae.block_out_channels.length : 4;
  const vaeScaleFactor = 2 ** (vaeBlocks - 1);
  const unetBlocks = Array.isArray(unet?.block_out_channels) ? unet.block_out_channels.length : 4;
  // the U-Net halves the latent size once per block but the last, so sizes step by this much
  const multiple = vaeScaleFactor * 2 ** (unetBlocks - 1);
  const native = (width(unet?.sample_size) ?? 64) * vaeScaleFactor;
  const down = (n: number) => Math.max(multiple, Math.floor(n / multiple) * multiple);
  return {
    textEmbeddingDim,
    latentChannels,
    vaeScaleFactor,
    scalingFactor: num(vae?.scaling_factor) ?? (sdxl ? 0.13025 : 0.18215),
    sizes: { native, min: down(native / 2), max: down(native * 1.5), multiple },
  };
}

/** One variant per precision whose required graphs all exist; external data where the hub has it. */
async function variantsFrom(ref: ModelRef, hub: HubReader, required: readonly ModelPart[]): Promise<ModelVariant[]> {
  const parts: readonly ModelPart[] = [...required, "vae_encoder"];
  const at = (path: string): HubFileOverride => ({ repo: ref.repo, revision: ref.revision, path });
  const exists = async (path: string) => (await hub.stat(at(path))) !== undefined;
  const graphFile = async (path: string): Promise<ModelFile | undefined> => {
    if (!(await exists(path))) return undefined;
    const external = await Promise.all(EXTERNAL_DATA_SUFFIXES.map(async (s) => ((await exists(path + s)) ? path + s : undefined)));
    const data = external.filter((p): p is string => p !== undefined).map((p) => ({ path: p }));
    return data.length > 0 ? { path, externalData: data } : { path };
  };
  const found = await Promise.all(
    PRECISIONS.map(async ({ precision, suffix }) => {
      const files = await Promise.all(parts.map((part) => graphFile(`${part}/model${suffix}.onnx`)));
      return { precision, files: Object.fromEntries(parts.flatMap((part, i) => (files[i] ? [[part, files[i]]] : []))) };
    }),
  );
  const variants: ModelVariant[] = [];
  for (const { precision, files } of found) {
    const [textEncoder, unet, vaeDecoder] = (["text_encoder", "unet", "vae_decoder"] as const).map((p) => files[p]);
    if (!textEncoder || !unet || !vaeDecoder || required.some((p) => !files[p])) continue;
    variants.push({
      id: precision,
      label: precision,
      precision,
      requiresShaderF16: precision === "fp16" || precision === "q4f16",
      files: { ...files, text_encoder: textEncoder, unet, vae_decoder: vaeDecoder },
    });
  }
  if (variants.length === 0) {
    const plain = found[0].files;
    throw NoOnnxFilesError.of(
      ref,
      required.filter((p) => !plain[p]).map((p) => `${p}/model.onnx`),
    );
  }
  return variants;
}

/**
 * The repo's own tokenizer files: its tokenizer.json, else the vocab.json + merges.txt that diffusers' ONNX exports
 * of CLIP tokenizers ship (the engine assembles them as transformers' CLIPTokenizer does); the pad id the repo's
 * tokenizer_config.json names.
 */
async function tokenizerFrom(
  ref: ModelRef,
  hub: HubReader,
  folder: "tokenizer" | "tokenizer_2",
  index: Json,
  config: Json | undefined,
  textEncoder: Json | undefined,
): Promise<TokenizerSpec> {
  const at = (name: string): HubFileOverride => ({ repo: ref.repo, revision: ref.revision, path: `${folder}/${name}` });
  const has = async (name: string) => (await hub.stat(at(name))) !== undefined;
  const names = TOKENIZER_FILES;
  const [tokenizerJson, vocab, merges, specialTokens] = await Promise.all([names.json, names.vocab, names.merges, names.specialTokens].map(has));
  const entry = index[folder];
  const declared = Array.isArray(entry) ? str(entry[1]) : undefined;
  const clip = declared === undefined || declared.startsWith("CLIPTokenizer");
  if (!tokenizerJson && !(vocab && merges && clip)) {
    throw ModelConfigError.of(
      ref,
      clip
        ? `${folder}/ has neither a tokenizer.json nor CLIP's vocab.json and merges.txt`
        : `${folder}/ has no tokenizer.json, and its ${declared} is not a CLIP tokenizer this app can assemble from vocab.json`,
    );
  }
  const files = tokenizerJson ? { path: at(names.json).path } : { path: at(names.vocab).path, mergesPath: at(names.merges).path };
  const padToken = tokenText(config?.pad_token) ?? "<|endoftext|>";
  // CLIP's vocabulary answers for the usual pad tokens; other vocabularies are fetched (about 1–2 MB) to look it up
  const padId =
    (clip ? CLIP_PAD_IDS[padToken] : undefined) ??
    (tokenizerJson ? tokenId(await hub.json(at(names.json)), padToken) : vocabId(await hub.json(at(names.vocab)), padToken));
  if (padId === undefined) throw ModelConfigError.of(ref, `its pad token "${padToken}" is not in the tokenizer's vocabulary`);
  const limit = num(config?.model_max_length);
  const maxLength = limit !== undefined && limit <= 4096 ? limit : (num(textEncoder?.max_position_embeddings) ?? CLIP_MAX_LENGTH);
  return {
    ...files,
    ...(config !== undefined ? { configPath: at(names.config).path } : {}),
    ...(specialTokens ? { specialTokensPath: at(names.specialTokens).path } : {}),
    maxLength,
    padId,
  };
}

/** transformers writes special tokens as strings or as { content }. */
function tokenText(v: unknown): string | undefined {
  return str(v) ?? (isObject(v) ? str(v.content) : undefined);
}

const vocabId = (vocab: unknown, token: string): number | undefined => (isObject(vocab) ? num(vocab[token]) : undefined);

/** A token's id in a tokenizer.json: its added tokens, then the model's vocabulary. */
function tokenId(tokenizerJson: unknown, token: string): number | undefined {
  if (!isObject(tokenizerJson)) return undefined;
  const added = Array.isArray(tokenizerJson.added_tokens) ? tokenizerJson.added_tokens : [];
  const hit = added.find((t) => isObject(t) && t.content === token);
  if (isObject(hit) && num(hit.id) !== undefined) return num(hit.id);
  return vocabId(isObject(tokenizerJson.model) ? tokenizerJson.model.vocab : undefined, token);
}
