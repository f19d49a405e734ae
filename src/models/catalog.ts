/**
 * The models the app offers: the built-in one served by the app itself, and real Stable Diffusion
 * exports downloaded from a Hugging Face-style hub into the weight cache. Hub entries carry a full
 * ModelManifest; sizes and hashes of their files are not known in advance, so the downloader records
 * them on the first complete download and the cache checks them on every later read.
 */
import type { HubCatalogEntry, HubSource } from "../hub/hubModel";
import { CLIP_PAD_IDS, clipTokenizerFiles } from "../hub/tokenizerFiles";
import type { ModelFile, ModelManifest, ModelPart, ModelVariant } from "../manifest";

export interface BuiltinCatalogEntry {
  kind: "builtin";
  id: string;
  name: string;
  description: string;
  license: string;
  /** Folder of model.json and the files, relative to the app's base URL. */
  base: string;
  downloadBytes: number;
  /** The variants its model.json lists, for the picker (which has not fetched model.json yet); else downloadBytes is shown. */
  variants?: { precision: ModelVariant["precision"]; bytes: number; requiresShaderF16: boolean }[];
}

export type CatalogEntry = HubCatalogEntry | BuiltinCatalogEntry;

/**
 * Approximates SD 1.x/2.x latents (in the U-Net's scaled space) as RGB in [0,1]: the widely used
 * linear factors (ComfyUI's latent_formats.SD15 latent_rgb_factors), halved and shifted from [-1,1].
 */
export const SD_LATENT_RGB = {
  weights: [
    [0.1756, 0.1625, -0.14145, -0.106],
    [0.11485, 0.2487, 0.0881, -0.1308],
    [0.16135, 0.1175, 0.13605, -0.35885],
  ],
  bias: [0.5, 0.5, 0.5],
};

/*
 * Neither SD repo below ships tokenizer/tokenizer.json: their tokenizer/ folders hold vocab.json, merges.txt,
 * special_tokens_map.json and tokenizer_config.json (file lists on the hub's tree pages for
 * schmuell/sd-turbo-ort-web@ace89b7 and aislamov/lcm-dreamshaper-v7-onnx@main), from which the engine assembles the
 * tokenizer as transformers' CLIPTokenizer does. SD 2.x pads with "!" (id 0), SD 1.x with the end token.
 */

/**
 * The noise schedule Stable Diffusion was trained with (1.x, 2.x, XL and their distillations): every scheduler_config.json
 * of these models starts with these four numbers and differs only in how it spaces the inference timesteps.
 */
export const SD_TRAINING_SCHEDULE = {
  num_train_timesteps: 1000,
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: "scaled_linear",
} as const;

/** SD-Turbo's and SDXL-Turbo's scheduler_config.json (stabilityai/sd-turbo, stabilityai/sdxl-turbo): the same numbers. */
const TURBO_SCHEDULER = { ...SD_TRAINING_SCHEDULE, timestep_spacing: "trailing", steps_offset: 1, prediction_type: "epsilon" } as const;

/** What Stability AI's two Turbo distillations share: 512×512 only, 1 to 4 steps without guidance, one scheduler, one license. */
const TURBO_RECOMMENDED = { steps: { min: 1, max: 4 }, guidance: { min: 0, max: 0 } };
const TURBO_MANIFEST = {
  license: "Stability AI Non-Commercial Research Community License",
  sizes: { native: 512, min: 512, max: 512, multiple: 64 },
  scheduler: TURBO_SCHEDULER,
};

/** The latent format of SD 1.x/2.x's VAE: 4 channels at 1/8 of the image size, scaled by 0.18215 into the U-Net's space. */
const SD_LATENTS = { latentChannels: 4, vaeScaleFactor: 8, scalingFactor: 0.18215, latentRgb: SD_LATENT_RGB };

/** A hub entry on huggingface.co-style hubs; every catalog manifest is schema version 1. */
function hubEntry(
  entry: Omit<HubCatalogEntry, "kind" | "source" | "manifest"> & {
    source: Omit<HubSource, "hub">;
    manifest: Omit<ModelManifest, "schemaVersion">;
  },
): HubCatalogEntry {
  return { ...entry, kind: "hub", source: { hub: "hf", ...entry.source }, manifest: { schemaVersion: 1, ...entry.manifest } };
}

/** The hub models' variants: each named after its precision, all computing in half precision (so needing shader-f16). */
function halfPrecisionVariant(precision: "fp16" | "q4f16", files: ModelVariant["files"]): ModelVariant {
  return { id: precision, label: precision, precision, requiresShaderF16: true, files };
}

/** One graph a part, each at the path `pathOf` gives it: these repos name all their graphs by one pattern. */
function graphsAt<P extends ModelPart>(parts: readonly P[], pathOf: (part: P) => string): Record<P, ModelFile> {
  return Object.fromEntries(parts.map((part) => [part, { path: pathOf(part) }])) as Record<P, ModelFile>;
}

/**
 * SD-Turbo as exported for onnxruntime-web by ORT's WebGPU maintainer (fp16 weights, fp32 inputs and
 * outputs). File list and sizes from the hub's tree pages at commit ace89b7 (text_encoder 681 MB,
 * unet 1.73 GB, vae_decoder 99.1 MB, vae_encoder 68.4 MB); scheduler from stabilityai/sd-turbo's
 * scheduler_config.json (EulerDiscrete, epsilon, trailing).
 */
const SD_TURBO = hubEntry({
  source: { repo: "schmuell/sd-turbo-ort-web", revision: "ace89b7d2cd849f9a73914cdbb8a3ea60c853dd1" },
  downloadBytes: { fp16: 2_583_000_000 },
  recommended: TURBO_RECOMMENDED,
  manifest: {
    ...TURBO_MANIFEST,
    ...SD_LATENTS,
    id: "sd-turbo",
    name: "SD-Turbo",
    description:
      "Stability AI's SD-Turbo, a distilled Stable Diffusion 2.1: 512×512 images in 1 to 4 steps without guidance. " +
      "Half-precision weights; needs WebGPU with shader-f16. About 2.6 GB to download once.",
    tokenizer: clipTokenizerFiles("tokenizer", CLIP_PAD_IDS["!"]),
    textEmbeddingDim: 1024,
    defaults: { sampler: "Euler", steps: 1, guidance: 0, width: 512, height: 512 },
    variants: [
      halfPrecisionVariant(
        "fp16",
        graphsAt(["text_encoder", "unet", "vae_decoder", "vae_encoder"], (part) => `${part}/model.onnx`),
      ),
    ],
  },
});

/**
 * LCM Dreamshaper v7 (SD 1.5 distilled into a latent consistency model), fp16 ONNX export whose U-Net and
 * VAE decoder keep their weights beside the graph (model.onnx + model.onnx_data, 93.7 MB + 1.64 GB and
 * 2.11 MB + 97.4 MB on the hub's tree pages; text_encoder 247 MB). Scheduler from the upstream
 * SimianLuo/LCM_Dreamshaper_v7 LCMScheduler config. The repo's vae_encoder folder is left out: its files
 * could not be confirmed, and text-to-image does not need it.
 */
const LCM_DREAMSHAPER = hubEntry({
  source: { repo: "aislamov/lcm-dreamshaper-v7-onnx", revision: "main" },
  downloadBytes: { fp16: 2_083_000_000 },
  // guidance is embedded (w = g − 1), not a second batch: 1 is unguided, the model card's example uses 8
  recommended: { steps: { min: 2, max: 8 }, guidance: { min: 1, max: 15 } },
  manifest: {
    ...SD_LATENTS,
    id: "lcm-dreamshaper-v7",
    name: "LCM Dreamshaper v7",
    license: "MIT",
    description:
      "Dreamshaper v7 (Stable Diffusion 1.5) distilled as a latent consistency model: 512×512 images in 2 to 8 steps. " +
      "Half-precision weights; needs WebGPU with shader-f16. About 2.1 GB to download once.",
    tokenizer: clipTokenizerFiles("tokenizer", CLIP_PAD_IDS["<|endoftext|>"]),
    textEmbeddingDim: 768,
    // SimianLuo/LCM_Dreamshaper_v7's unet/config.json: the U-Net takes the guidance embedding as timestep_cond
    timeCondProjDim: 256,
    sizes: { native: 512, min: 256, max: 768, multiple: 64 },
    scheduler: { ...SD_TRAINING_SCHEDULE, timestep_spacing: "leading", steps_offset: 1, prediction_type: "epsilon", set_alpha_to_one: true },
    defaults: { sampler: "LCM", steps: 4, guidance: 8, width: 512, height: 512 },
    variants: [
      halfPrecisionVariant("fp16", {
        text_encoder: { path: "text_encoder/model.onnx" },
        unet: { path: "unet/model.onnx", externalData: [{ path: "unet/model.onnx_data" }] },
        vae_decoder: { path: "vae_decoder/model.onnx", externalData: [{ path: "vae_decoder/model.onnx_data" }] },
      }),
    ],
  },
});

/** ComfyUI's SDXL latent_rgb_factors and bias (latent_formats.SDXL), halved and shifted from [-1,1] to [0,1]. */
export const SDXL_LATENT_RGB = {
  weights: [
    [0.18255, -0.12665, 0.0538, -0.15825],
    [0.2116, -0.0021, 0.05555, -0.1246],
    [0.21705, 0.0534, -0.0181, -0.1094],
  ],
  bias: [0.5542, 0.49125, 0.49945],
};

/** SDXL's VAE: the same latent shape as SD's, scaled by 0.13025. */
const SDXL_LATENTS = { latentChannels: 4, vaeScaleFactor: 8, scalingFactor: 0.13025, latentRgb: SDXL_LATENT_RGB };

/**
 * SDXL-Turbo with 4-bit weights (MatMulNBits) and float16 inputs/outputs, exported by the WebNN team. File
 * names, sizes and I/O from their SDXL-Turbo demo (webnn-developer-preview, demos/sdxl-turbo): text_encoder
 * (118 MB, int32 ids → hidden_states.11 [B,77,768]), text_encoder_2 (461 MB, int64 ids → hidden_states.31
 * [B,77,1280] + text_embeds [B,1280]), unet (1.83 GB: sample, timestep, encoder_hidden_states [B,77,2048],
 * text_embeds, time_ids [B,6]), vae_decoder (93 MB); the demo fetches them from the repo's onnx/ folder
 * (onnx/text_encoder_model_q4f16.onnx 124,433,929 B, onnx/text_encoder_2_model_q4f16.onnx 483,677,630 B,
 * onnx/unet_model_q4f16.onnx 1,965,607,674 B, onnx/vae_decoder_model_q4f16.onnx 97,617,257 B). Scheduler from
 * stabilityai/sdxl-turbo (EulerAncestralDiscrete, trailing); SDXL's VAE scaling factor is 0.13025. The repo ships
 * no tokenizer (the demo keeps its own), so both come from the model's upstream repo, stabilityai/sdxl-turbo:
 * CLIP's BPE vocabulary in tokenizer/ (padded with the end token, as CLIP ViT-L) and tokenizer_2/ (padded with
 * "!", id 0, as OpenCLIP bigG).
 */
const SDXL_TOKENIZER = clipTokenizerFiles("tokenizer", CLIP_PAD_IDS["<|endoftext|>"]);
const SDXL_TOKENIZER_2 = clipTokenizerFiles("tokenizer_2", CLIP_PAD_IDS["!"]);

const SDXL_TURBO = hubEntry({
  source: {
    repo: "webnn/sdxl-turbo",
    revision: "main",
    files: Object.fromEntries(
      [SDXL_TOKENIZER, SDXL_TOKENIZER_2].flatMap((t) =>
        [t.path, t.mergesPath, t.configPath, t.specialTokensPath].map((path) => [path, { repo: "stabilityai/sdxl-turbo", revision: "main", path }]),
      ),
    ),
  },
  // the four ONNX files' sizes above and the two tokenizer folders (≈ 1.5 MB each)
  downloadBytes: { q4f16: 2_674_500_000 },
  recommended: TURBO_RECOMMENDED,
  manifest: {
    ...TURBO_MANIFEST,
    ...SDXL_LATENTS,
    id: "sdxl-turbo",
    name: "SDXL-Turbo (4-bit)",
    description:
      "Stability AI's SDXL-Turbo, a distilled SDXL: 512×512 images in 1 to 4 steps without guidance. 4-bit weights " +
      "with half-precision activations; needs WebGPU with shader-f16. About 2.5 GB to download once.",
    tokenizer: SDXL_TOKENIZER,
    textEmbeddingDim: 2048,
    textEncoders: [
      { part: "text_encoder", hiddenStates: "hidden_states.11" },
      {
        part: "text_encoder_2",
        tokenizer: SDXL_TOKENIZER_2,
        hiddenStates: "hidden_states.31",
        pooled: "text_embeds",
      },
    ],
    additionEmbedType: "text_time",
    forceZerosForEmptyPrompt: true,
    defaults: { sampler: "Euler a", steps: 1, guidance: 0, width: 512, height: 512 },
    variants: [
      halfPrecisionVariant(
        "q4f16",
        graphsAt(["text_encoder", "text_encoder_2", "unet", "vae_decoder"], (part) => `onnx/${part}_model_q4f16.onnx`),
      ),
    ],
  },
});

const TINY_SHAPES: BuiltinCatalogEntry = {
  kind: "builtin",
  id: "tiny-shapes",
  name: "Tiny Shapes (built-in)",
  description: "A tiny model trained by this project: one coloured shape on a plain background. Works offline at once.",
  license: "MIT",
  base: "models/tiny-shapes",
  downloadBytes: 13_000_000,
  // sizes of the files each variant of public/models/tiny-shapes/model.json lists
  variants: [
    { precision: "fp32", bytes: 7_340_000, requiresShaderF16: false },
    { precision: "fp16", bytes: 3_770_000, requiresShaderF16: true },
  ],
};

const TINY_SHAPES_XL: BuiltinCatalogEntry = {
  kind: "builtin",
  id: "tiny-shapes-xl",
  name: "Tiny Shapes XL (built-in)",
  description: "The built-in model with SDXL's interface (two text encoders, size conditioning), also with a 4-bit U-Net.",
  license: "MIT",
  base: "models/tiny-shapes-xl",
  downloadBytes: 12_000_000,
};

export const CATALOG: readonly CatalogEntry[] = [TINY_SHAPES, TINY_SHAPES_XL, SD_TURBO, SDXL_TURBO, LCM_DREAMSHAPER];

export function entryId(entry: CatalogEntry): string {
  return entry.kind === "hub" ? entry.manifest.id : entry.id;
}

/** The name the app shows for an entry: a hub model's manifest name, the built-in entry's own. */
export function entryName(entry: CatalogEntry): string {
  return entry.kind === "hub" ? entry.manifest.name : entry.name;
}

export function findEntry(catalog: readonly CatalogEntry[], id: string): CatalogEntry | undefined {
  return catalog.find((e) => entryId(e) === id);
}
