import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseManifest, parseManifestJson, type ModelVariant } from "../manifest";
import { hubDownloads, variantFiles, type HubFileOverride } from "../hub/hubModel";
import { CATALOG, SD_TRAINING_SCHEDULE } from "./catalog";
import { resolveCustomModel, type HubReader } from "./customModel";
import type { ModelRef } from "./customModelRef";
import { ModelConfigError, ModelRepoNotFoundError, NoOnnxFilesError } from "./errors";

const FIXTURES = join(__dirname, "__fixtures__");
const TINY = join(__dirname, "../../public/models/tiny-shapes");
const HUB = "https://huggingface.co";

const readJson = (file: string): unknown => JSON.parse(readFileSync(file, "utf8"));

/** The one variant a diffusers ONNX export without precision suffixes yields: fp32, named after its precision. */
const fp32Variant = (files: ModelVariant["files"]): ModelVariant => ({
  id: "fp32",
  label: "fp32",
  precision: "fp32",
  requiresShaderF16: false,
  files,
});

/** A hub holding `files` ("owner/name/path" → JSON value, or the size of a binary file). */
function fakeHub(files: Record<string, unknown>): HubReader & { asked: string[] } {
  const asked: string[] = [];
  const key = (f: HubFileOverride) => `${f.repo}/${f.path}`;
  return {
    asked,
    async json(f) {
      asked.push(`GET ${key(f)}`);
      return files[key(f)];
    },
    async stat(f) {
      asked.push(`HEAD ${key(f)}`);
      const v = files[key(f)];
      if (v === undefined) return undefined;
      return { bytes: typeof v === "number" ? v : JSON.stringify(v).length };
    },
  };
}

/**
 * A diffusers-layout ONNX repo `someone/<fixture>`: the configs from the fixture folder (`configs` replaces or,
 * with undefined, removes some), ONNX files of the given sizes, and in each tokenizer folder CLIP's vocab.json,
 * merges.txt and special_tokens_map.json, as diffusers' ONNX exports ship them.
 */
function onnxRepo(fixture: string, onnx: Record<string, number>, configs: Record<string, unknown>): Record<string, unknown> {
  const repo = `someone/${fixture}`;
  const base: Record<string, unknown> = {};
  const walk = (dir: string): string[] =>
    readdirSync(join(FIXTURES, fixture, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
    );
  for (const p of walk("")) base[`${repo}/${p}`] = readJson(join(FIXTURES, fixture, p));
  for (const folder of ["tokenizer", "tokenizer_2"]) {
    if (base[`${repo}/${folder}/tokenizer_config.json`] === undefined) continue;
    base[`${repo}/${folder}/vocab.json`] = VOCAB_BYTES;
    base[`${repo}/${folder}/merges.txt`] = MERGES_BYTES;
    base[`${repo}/${folder}/special_tokens_map.json`] = SPECIAL_TOKENS_MAP;
  }
  for (const [p, v] of Object.entries(configs)) base[`${repo}/${p}`] = v;
  for (const [p, bytes] of Object.entries(onnx)) base[`${repo}/${p}`] = bytes;
  return Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined));
}

/** Sizes of CLIP's vocab.json and merges.txt (openai/clip-vit-large-patch14's, as SD repos copy them). */
const VOCAB_BYTES = 1_059_962;
const MERGES_BYTES = 524_619;
const SPECIAL_TOKENS_MAP = { bos_token: "<|startoftext|>", eos_token: "<|endoftext|>", pad_token: "<|endoftext|>", unk_token: "<|endoftext|>" };
const TOKENIZER_BYTES = VOCAB_BYTES + MERGES_BYTES + JSON.stringify(SPECIAL_TOKENS_MAP).length;
const CLIP_TOKENIZER = (folder: string) => ({
  path: `${folder}/vocab.json`,
  mergesPath: `${folder}/merges.txt`,
  configPath: `${folder}/tokenizer_config.json`,
  specialTokensPath: `${folder}/special_tokens_map.json`,
});

/** SD 1.5's ONNX export (fixture sd15-onnx). */
const sd15 = (onnx: Record<string, number>, configs: Record<string, unknown> = {}) => onnxRepo("sd15-onnx", onnx, configs);
/** An SDXL-Turbo ONNX export (fixture sdxl-onnx). */
const sdxl = (onnx: Record<string, number>, configs: Record<string, unknown> = {}) => onnxRepo("sdxl-onnx", onnx, configs);

const SDXL_FILES = {
  "text_encoder/model.onnx": 492_000_000,
  "text_encoder_2/model.onnx": 2_780_000_000,
  "unet/model.onnx": 1_000_000,
  "unet/model.onnx_data": 10_270_000_000,
  "vae_decoder/model.onnx": 198_000_000,
};
const sdxlRef: ModelRef = { hubBase: HUB, repo: "someone/sdxl-onnx", revision: "main" };

const SD15_FILES = { "text_encoder/model.onnx": 492_000_000, "unet/model.onnx": 3_440_000_000, "vae_decoder/model.onnx": 198_000_000 };
const sd15Ref: ModelRef = { hubBase: HUB, repo: "someone/sd15-onnx", revision: "main" };

/** A config file of a fixture repo, to change fields of. */
const fixtureConfig = (repo: string, file: string) => readJson(join(FIXTURES, repo, file)) as Record<string, unknown>;
/** The entry for the SD 1.5 or SDXL fixture repo with some of its configs replaced (`undefined` removes one). */
const resolveSd15 = (configs: Record<string, unknown> = {}) => resolveCustomModel("x", sd15Ref, fakeHub(sd15(SD15_FILES, configs)));
const resolveSdxl = (configs: Record<string, unknown> = {}) => resolveCustomModel("x", sdxlRef, fakeHub(sdxl(SDXL_FILES, configs)));

describe("resolveCustomModel with the repo's model.json", () => {
  const tinyHub = () => {
    const files: Record<string, unknown> = { "test/tiny-shapes/model.json": readJson(join(TINY, "model.json")) };
    const manifest = parseManifest(files["test/tiny-shapes/model.json"]);
    for (const v of manifest.variants) {
      for (const f of variantFiles(manifest, v.id)) files[`test/tiny-shapes/${f.path}`] = statSync(join(TINY, f.path)).size;
    }
    return { files, manifest };
  };

  it("keeps the manifest, under the repo's name and its own id, and sums each variant's download", async () => {
    const { files, manifest } = tinyHub();
    const ref = { hubBase: "http://127.0.0.1:8090", repo: "test/tiny-shapes", revision: "main" };
    const entry = await resolveCustomModel("test/tiny-shapes", ref, fakeHub(files), 5);
    expect(entry.manifest).toMatchObject({ id: "custom--test--tiny-shapes", name: "test/tiny-shapes", variants: manifest.variants });
    expect(entry.manifest.description).toMatch(/Added from http:\/\/127\.0\.0\.1:8090\/test\/tiny-shapes\.$/);
    expect(entry.source).toEqual({ hub: "hf", repo: "test/tiny-shapes", revision: "main", base: "http://127.0.0.1:8090" });
    expect(entry.custom).toEqual({ input: "test/tiny-shapes", inferred: false, addedAt: 5 });
    for (const v of manifest.variants) {
      const sum = variantFiles(manifest, v.id).reduce((s, f) => s + statSync(join(TINY, f.path)).size, 0);
      expect(entry.downloadBytes[v.id]).toBe(sum);
    }
    // downloads come from the hub it was found on, whatever the hub setting is later
    expect(hubDownloads(entry, "fp32", HUB)[0].url).toBe("http://127.0.0.1:8090/test/tiny-shapes/resolve/main/tokenizer.json");
    expect(parseManifestJson(JSON.stringify(entry.manifest))).toEqual(entry.manifest);
  });

  it("refuses a model.json that lists a file the repo lacks, or that is invalid", async () => {
    const { files } = tinyHub();
    const ref = { hubBase: HUB, repo: "test/tiny-shapes", revision: "main" };
    delete files["test/tiny-shapes/unet/model_fp16.onnx"];
    await expect(resolveCustomModel("x", ref, fakeHub(files))).rejects.toThrow(/lists unet\/model_fp16\.onnx, which the repository does not have/);
    files["test/tiny-shapes/model.json"] = { schemaVersion: 2 };
    await expect(resolveCustomModel("x", ref, fakeHub(files))).rejects.toThrow(/its model.json is not valid .*schemaVersion 2/);
  });
});

describe("resolveCustomModel from a diffusers layout", () => {
  it("describes SD 1.5's ONNX export from its configs, with the repo's own CLIP vocabulary and merges", async () => {
    const hub = fakeHub(sd15({ ...SD15_FILES, "vae_encoder/model.onnx": 136_000_000 }));
    const entry = await resolveCustomModel("someone/sd15-onnx", sd15Ref, hub);
    const m = entry.manifest;
    expect(m).toMatchObject({
      id: "custom--someone--sd15-onnx",
      name: "someone/sd15-onnx",
      textEmbeddingDim: 768,
      latentChannels: 4,
      vaeScaleFactor: 8,
      scalingFactor: 0.18215,
      sizes: { native: 512, min: 256, max: 768, multiple: 64 },
      // the model_max_length and pad token of its tokenizer_config.json; the end token is 49407 in CLIP's vocabulary
      tokenizer: { ...CLIP_TOKENIZER("tokenizer"), maxLength: 77, padId: 49407 },
      scheduler: { ...SD_TRAINING_SCHEDULE, timestep_spacing: "leading", steps_offset: 1, prediction_type: "epsilon", set_alpha_to_one: false },
      // PNDM is not one of ours; Euler samples the same model
      defaults: { sampler: "Euler", steps: 20, guidance: 7.5, width: 512, height: 512 },
    });
    expect(m.scheduler.trained_betas).toBeUndefined();
    expect(m.variants).toEqual([
      fp32Variant({
        text_encoder: { path: "text_encoder/model.onnx" },
        unet: { path: "unet/model.onnx" },
        vae_decoder: { path: "vae_decoder/model.onnx" },
        vae_encoder: { path: "vae_encoder/model.onnx" },
      }),
    ]);
    // every file from the repo itself
    expect(entry.source.files).toBeUndefined();
    const json = (p: string) => JSON.stringify(readJson(join(FIXTURES, "sd15-onnx", p))).length;
    expect(entry.downloadBytes.fp32).toBe(
      TOKENIZER_BYTES + json("tokenizer/tokenizer_config.json") + 492_000_000 + 3_440_000_000 + 198_000_000 + 136_000_000,
    );
    expect(entry.custom.inferred).toBe(true);
    expect(parseManifestJson(JSON.stringify(m))).toEqual(m);
    // vocab.json is 1 MB: CLIP's known ids make fetching it unnecessary
    expect(hub.asked.filter((a) => a.startsWith("GET ") && a.endsWith("vocab.json"))).toEqual([]);
  });

  it("finds precision variants by file name and weights kept beside a graph", async () => {
    const entry = await resolveCustomModel(
      "x",
      sd15Ref,
      fakeHub(
        sd15({
          ...SD15_FILES,
          "unet/model.onnx_data": 3_400_000_000,
          "text_encoder/model_fp16.onnx": 246_000_000,
          "unet/model_fp16.onnx": 1_000_000,
          "unet/model_fp16.onnx_data": 1_720_000_000,
          "vae_decoder/model_fp16.onnx": 99_000_000,
          "text_encoder/model_int8.onnx": 123_000_000,
          "text_encoder/model_q4.onnx": 100_000_000,
          "unet/model_q4.onnx": 500_000_000,
          "vae_decoder/model_q4.onnx": 90_000_000,
        }),
      ),
    );
    expect(entry.manifest.variants.map((v) => [v.id, v.precision, v.requiresShaderF16])).toEqual([
      ["fp32", "fp32", false],
      ["fp16", "fp16", true],
      // 4-bit weights with float32 activations: no shader-f16 needed
      ["q4", "q4", false],
    ]);
    expect(entry.manifest.variants[0].files.unet).toEqual({ path: "unet/model.onnx", externalData: [{ path: "unet/model.onnx_data" }] });
    expect(entry.manifest.variants[1].files.unet).toEqual({ path: "unet/model_fp16.onnx", externalData: [{ path: "unet/model_fp16.onnx_data" }] });
    expect(entry.manifest.variants[1].files.vae_encoder).toBeUndefined();
    expect(entry.downloadBytes.fp16).toBeGreaterThan(1_720_000_000 + 246_000_000);
  });

  it("takes SD 2.x's pad token, v-prediction, Karras sigmas and LCM's defaults from the configs", async () => {
    const scheduler = fixtureConfig("sd15-onnx", "scheduler/scheduler_config.json");
    const tokenizerConfig = fixtureConfig("sd15-onnx", "tokenizer/tokenizer_config.json");
    const sd2 = await resolveSd15({
      "scheduler/scheduler_config.json": {
        ...scheduler,
        _class_name: "EulerDiscreteScheduler",
        prediction_type: "v_prediction",
        use_karras_sigmas: true,
        timestep_spacing: "trailing",
      },
      "tokenizer/tokenizer_config.json": { ...tokenizerConfig, pad_token: "!" },
      "unet/config.json": { cross_attention_dim: 1024, sample_size: 96, in_channels: 4, out_channels: 4, block_out_channels: [320, 640, 1280, 1280] },
    });
    expect(sd2.manifest).toMatchObject({
      textEmbeddingDim: 1024,
      tokenizer: { padId: 0 },
      sizes: { native: 768, min: 384, max: 1152 },
      scheduler: { prediction_type: "v_prediction", timestep_spacing: "trailing" },
      defaults: { sampler: "Euler Karras" },
    });
    const lcm = await resolveSd15({ "scheduler/scheduler_config.json": { ...scheduler, _class_name: "LCMScheduler" } });
    // an LCM-LoRA-style model (LCM scheduler, plain U-Net) samples without guidance
    expect(lcm.manifest.defaults).toMatchObject({ sampler: "LCM", steps: 4, guidance: 1 });
    expect(lcm.manifest.timeCondProjDim).toBeUndefined();
    const unet = fixtureConfig("sd15-onnx", "unet/config.json");
    const distilled = await resolveSd15({
      "scheduler/scheduler_config.json": { ...scheduler, _class_name: "LCMScheduler" },
      "unet/config.json": { ...unet, time_cond_proj_dim: 256 },
    });
    // an LCM-distilled U-Net embeds the guidance scale: SimianLuo/LCM_Dreamshaper_v7's example runs 4 steps at 8
    expect(distilled.manifest).toMatchObject({ timeCondProjDim: 256, defaults: { sampler: "LCM", steps: 4, guidance: 8 } });
  });

  it("gives a turbo repo (trailing Euler schedule) turbo's 1 step without guidance", async () => {
    const scheduler = fixtureConfig("sd15-onnx", "scheduler/scheduler_config.json");
    const files = sd15(SD15_FILES, {
      "scheduler/scheduler_config.json": { ...scheduler, _class_name: "EulerDiscreteScheduler", timestep_spacing: "trailing" },
    });
    const turboRef = { ...sd15Ref, repo: "someone/sd-turbo-onnx" };
    const renamed = Object.fromEntries(Object.entries(files).map(([k, v]) => [k.replace("someone/sd15-onnx/", "someone/sd-turbo-onnx/"), v]));
    const turbo = await resolveCustomModel("x", turboRef, fakeHub(renamed));
    expect(turbo.manifest.defaults).toMatchObject({ sampler: "Euler", steps: 1, guidance: 0 });
    // the same schedule in a repo that does not say turbo keeps the usual defaults
    const plain = await resolveCustomModel("x", sd15Ref, fakeHub(files));
    expect(plain.manifest.defaults).toMatchObject({ steps: 20, guidance: 7.5 });
  });

  it("reads the widths from the text encoder when the U-Net has no config, and assumes SD's VAE without a VAE config", async () => {
    const entry = await resolveSd15({ "unet/config.json": undefined, "vae_decoder/config.json": undefined });
    expect(entry.manifest).toMatchObject({ textEmbeddingDim: 768, vaeScaleFactor: 8, scalingFactor: 0.18215, sizes: { native: 512 } });
    expect(entry.manifest.description).toMatch(/Stable Diffusion's VAE .* is assumed/);
  });

  it("says which file is missing or what it cannot run, each with a way on", async () => {
    const resolve = (files: Record<string, unknown>) => resolveCustomModel("x", sd15Ref, fakeHub(files));
    await expect(resolve({})).rejects.toThrow(ModelRepoNotFoundError);
    await expect(resolve({})).rejects.toThrow(
      /someone\/sd15-onnx@main on https:\/\/huggingface.co: the repository has neither a model.json nor a model_index.json/,
    );
    await expect(resolve(sd15({ "unet/model.onnx": 1 }))).rejects.toThrow(NoOnnxFilesError);
    await expect(resolve(sd15({ "unet/model.onnx": 1 }))).rejects.toThrow(/has no ONNX text_encoder\/model.onnx, vae_decoder\/model.onnx/);
    await expect(resolve(sd15(SD15_FILES, { "unet/config.json": undefined, "text_encoder/config.json": undefined }))).rejects.toThrow(
      /text embedding width is unknown: neither unet\/config.json \(cross_attention_dim\) nor text_encoder\/config.json \(hidden_size\)/,
    );
    await expect(resolve(sd15(SD15_FILES, { "scheduler/scheduler_config.json": undefined }))).rejects.toThrow(/scheduler_config.json is missing/);
    await expect(resolve(sd15(SD15_FILES, { "scheduler/scheduler_config.json": { beta_schedule: "squaredcos_cap_v2" } }))).rejects.toThrow(
      ModelConfigError,
    );
    const index = fixtureConfig("sd15-onnx", "model_index.json");
    // model_index.json names a second text encoder (SDXL) that the repo has no ONNX file for
    await expect(resolve(sd15(SD15_FILES, { "model_index.json": { ...index, text_encoder_2: ["x", "y"] } }))).rejects.toThrow(
      /has no ONNX text_encoder_2\/model.onnx/,
    );
    await expect(resolve(sd15(SD15_FILES, { "unet/config.json": { cross_attention_dim: 768, addition_embed_type: "text_time" } }))).rejects.toThrow(
      /extra conditioning \("text_time"\) but the repo has one text encoder/,
    );
    await expect(resolve(sd15(SD15_FILES, { "unet/config.json": { cross_attention_dim: 768, in_channels: 9, out_channels: 4 } }))).rejects.toThrow(
      /9 input channels for 4 latent channels/,
    );
    // an upscaler's noise-level class labels: an input the engine cannot feed, refused before anything downloads
    await expect(resolve(sd15(SD15_FILES, { "unet/config.json": { cross_attention_dim: 768, num_class_embeds: 1000 } }))).rejects.toThrow(
      /its U-Net takes class_labels \(class_embed_type\), which this app cannot feed/,
    );
    const noVocab = sd15(SD15_FILES);
    delete noVocab["someone/sd15-onnx/tokenizer/vocab.json"];
    await expect(resolve(noVocab)).rejects.toThrow(/tokenizer\/ has neither a tokenizer.json nor CLIP's vocab.json and merges.txt/);
  });

  it("describes the built-in model's files as its model.json does, from the configs a diffusers export of it holds", async () => {
    const dir = join(FIXTURES, "tiny-shapes-diffusers");
    // the repo the test hub serves as test/tiny-shapes-diffusers: fixture configs over the model's folder
    const reader: HubReader = {
      async json(f) {
        const p = f.path === "tokenizer/tokenizer.json" ? join(TINY, "tokenizer.json") : join(dir, f.path);
        return f.path !== "model.json" && existsSync(p) ? readJson(p) : undefined;
      },
      async stat(f) {
        const p = [join(dir, f.path), join(TINY, f.path === "tokenizer/tokenizer.json" ? "tokenizer.json" : f.path)].find(existsSync);
        return p ? { bytes: statSync(p).size } : undefined;
      },
    };
    const ref = { hubBase: "http://127.0.0.1:8090", repo: "test/tiny-shapes-diffusers", revision: "main" };
    const { manifest } = await resolveCustomModel("x", ref, reader);
    const own = parseManifest(readJson(join(TINY, "model.json")));
    for (const key of ["textEmbeddingDim", "latentChannels", "vaeScaleFactor", "scalingFactor", "scheduler"] as const) {
      expect(manifest[key], key).toEqual(own[key]);
    }
    expect(manifest.tokenizer).toMatchObject({ maxLength: own.tokenizer.maxLength, padId: own.tokenizer.padId });
    expect(manifest.sizes).toMatchObject({ native: own.sizes.native, multiple: own.sizes.multiple });
    expect(manifest.variants.map((v) => [v.precision, Object.values(v.files).map((f) => f.path)])).toEqual(
      own.variants.map((v) => [v.precision, Object.values(v.files).map((f) => f.path)]),
    );
  });
});

describe("resolveCustomModel with an SDXL export's diffusers configs", () => {
  it("describes both text encoders, the pooled embedding and SDXL's size conditioning as the catalog's SDXL-Turbo does", async () => {
    const entry = await resolveSdxl();
    const { manifest } = entry;
    const json = (p: string) => JSON.stringify(readJson(join(FIXTURES, "sdxl-onnx", p))).length;
    const catalogSdxl = CATALOG.flatMap((m) => (m.kind === "hub" && m.manifest.id === "sdxl-turbo" ? [m.manifest] : []))[0];
    expect(manifest.textEncoders).toEqual([
      { part: "text_encoder", hiddenStates: "hidden_states.11" },
      {
        part: "text_encoder_2",
        tokenizer: { ...CLIP_TOKENIZER("tokenizer_2"), maxLength: 77, padId: 0 },
        hiddenStates: "hidden_states.31",
        pooled: "text_embeds",
      },
    ]);
    // the same outputs the catalog entry names for webnn/sdxl-turbo's files
    expect(manifest.textEncoders!.map(({ part, hiddenStates, pooled }) => ({ part, hiddenStates, pooled }))).toEqual(
      catalogSdxl.textEncoders!.map(({ part, hiddenStates, pooled }) => ({ part, hiddenStates, pooled })),
    );
    expect(manifest).toMatchObject({
      additionEmbedType: "text_time",
      forceZerosForEmptyPrompt: true,
      textEmbeddingDim: 2048,
      tokenizer: { padId: 49407 },
      scalingFactor: 0.13025,
      sizes: { native: 512, multiple: 32 },
      scheduler: { ...catalogSdxl.scheduler },
      defaults: { sampler: "Euler a" },
      latentRgb: catalogSdxl.latentRgb,
    });
    expect(manifest.variants).toEqual([
      fp32Variant({
        text_encoder: { path: "text_encoder/model.onnx" },
        text_encoder_2: { path: "text_encoder_2/model.onnx" },
        unet: { path: "unet/model.onnx", externalData: [{ path: "unet/model.onnx_data" }] },
        vae_decoder: { path: "vae_decoder/model.onnx" },
      }),
    ]);
    expect(entry.source.files).toBeUndefined();
    expect(entry.downloadBytes.fp32).toBe(
      2 * TOKENIZER_BYTES +
        json("tokenizer/tokenizer_config.json") +
        json("tokenizer_2/tokenizer_config.json") +
        492_000_000 +
        2_780_000_000 +
        1_000_000 +
        10_270_000_000 +
        198_000_000,
    );
  });

  it("widths from the encoders without a U-Net config; SDXL's VAE without a VAE config; model_index.json's force_zeros", async () => {
    const index = fixtureConfig("sdxl-onnx", "model_index.json");
    const entry = await resolveSdxl({
      "unet/config.json": { addition_embed_type: "text_time" },
      "vae_decoder/config.json": undefined,
      "model_index.json": { ...index, force_zeros_for_empty_prompt: false },
    });
    expect(entry.manifest).toMatchObject({ textEmbeddingDim: 768 + 1280, scalingFactor: 0.13025, forceZerosForEmptyPrompt: false });
    expect(entry.manifest.description).toMatch(/SDXL's VAE .* is assumed/);
  });

  it("says what is missing", async () => {
    const resolve = (files: Record<string, unknown>) => resolveCustomModel("x", sdxlRef, fakeHub(files));
    const { ["text_encoder_2/model.onnx"]: _, ...noSecond } = SDXL_FILES;
    await expect(resolve(sdxl(noSecond))).rejects.toThrow(/has no ONNX text_encoder_2\/model.onnx/);
    await expect(resolve(sdxl(SDXL_FILES, { "text_encoder_2/config.json": { hidden_size: 1280 } }))).rejects.toThrow(
      /text_encoder_2\/config.json \(num_hidden_layers\) is missing; it names the hidden states SDXL's U-Net attends to/,
    );
    await expect(resolve(sdxl(SDXL_FILES, { "unet/config.json": { addition_embed_type: "image" } }))).rejects.toThrow(
      /its U-Net takes "image" conditioning; SDXL's is "text_time"/,
    );
  });

  it("describes the built-in SDXL-interface model's files as its model.json does", async () => {
    const xl = join(__dirname, "../../public/models/tiny-shapes-xl");
    const dir = join(FIXTURES, "tiny-shapes-xl-diffusers");
    // as the test hub serves test/tiny-shapes-xl-diffusers: fixture configs over the model's folder, one tokenizer.json
    const local = (path: string) => (/^tokenizer(_2)?\/tokenizer\.json$/.test(path) ? "tokenizer.json" : path);
    const reader: HubReader = {
      async json(f) {
        const p = [join(dir, f.path), join(xl, local(f.path))].find(existsSync);
        return f.path !== "model.json" && p ? readJson(p) : undefined;
      },
      async stat(f) {
        const p = [join(dir, f.path), join(xl, local(f.path))].find(existsSync);
        return p && f.path !== "model.json" ? { bytes: statSync(p).size } : undefined;
      },
    };
    const ref = { hubBase: "http://127.0.0.1:8090", repo: "test/tiny-shapes-xl-diffusers", revision: "main" };
    const { manifest } = await resolveCustomModel("x", ref, reader);
    const own = parseManifest(readJson(join(xl, "model.json")));
    for (const key of ["textEmbeddingDim", "latentChannels", "vaeScaleFactor", "scalingFactor", "scheduler", "additionEmbedType"] as const) {
      expect(manifest[key], key).toEqual(own[key]);
    }
    expect(manifest.forceZerosForEmptyPrompt ?? false).toBe(own.forceZerosForEmptyPrompt ?? false);
    expect(manifest.textEncoders!.map(({ part, hiddenStates, pooled }) => ({ part, hiddenStates, pooled }))).toEqual(
      own.textEncoders!.map(({ part, hiddenStates, pooled }) => ({ part, hiddenStates, pooled })),
    );
    expect(manifest.textEncoders![1].tokenizer).toMatchObject({ maxLength: own.tokenizer.maxLength, padId: own.tokenizer.padId });
    const paths = (m: typeof own) => Object.entries(m.variants.find((v) => v.id === "fp32")!.files).map(([part, f]) => [part, f.path]);
    expect(paths(manifest)).toEqual(paths(own));
  });
});
