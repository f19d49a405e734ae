import { errorMessage, LoraError, ModelLoadError, ShaderF16UnsupportedError } from "../errors";
import { parseManifestJson, type ModelManifest, type ModelPart, type ModelVariant, type TokenizerSpec } from "../manifest";
import { textEncoderSpecs, type LoadedTextEncoder } from "./conditioning";
import type { LoraPart } from "./lora/keys";
import { ortLowRankAdder } from "./lora/ortKernel";
import { applyLoras, strengthFor, type LoraToApply, type WeightFile } from "./lora/patch";
import { graphInputNames, mainWeightType } from "./onnxWeights";
import { runsHalfPrecision, type ExternalDataFile, type ModelSession, type Runtime } from "./runtime";
import { loadPromptTokenizer, type PromptTokenizer } from "./tokenizer";

/**
 * Where a model's files come from: the app's own folder, the weight cache, or the disk in Node. Each read returns
 * bytes the caller owns: LoRAs are applied by editing them in place.
 */
export interface ModelSource {
  read(path: string): Promise<Uint8Array>;
  /**
   * Where ONNX Runtime can open a file by itself (a file path in Node, a URL in a browser), so that weights of
   * gigabytes never pass through one JavaScript buffer of ours; undefined where the bytes should be read instead.
   */
  locate?(path: string): Promise<string | undefined>;
}

/** The model's manifest (its `model.json`), read and checked. */
export async function readManifest(source: ModelSource): Promise<ModelManifest> {
  return parseManifestJson(new TextDecoder().decode(await source.read("model.json")));
}

export interface LoadedModel {
  manifest: ModelManifest;
  variant: ModelVariant;
  /** In the order their hidden states are concatenated. */
  textEncoders: LoadedTextEncoder[];
  unet: ModelSession;
  /** Width of the guidance embedding an LCM-distilled U-Net takes as `timestep_cond`; absent for other U-Nets. */
  guidanceEmbedDim?: number;
  vaeDecoder: ModelSession;
  /**
   * Created on first use: only img2img and inpainting need the encoder, so text-to-image does not wait for it.
   * Absent when the model has none.
   */
  vaeEncoder?: () => Promise<ModelSession>;
  /** What the user should know about the LoRAs applied (keys that matched nothing), one sentence each. */
  warnings: string[];
  release(): Promise<void>;
}

export type LoadProgress = { file: string; index: number; count: number; applyingLora?: boolean };

const LORA_PARTS: readonly ModelPart[] = ["text_encoder", "text_encoder_2", "unet"];

/** Collects what each part's patching reports and turns it into warnings, or an error where a LoRA fits nowhere. */
function loraReport(loras: readonly LoraToApply[], manifest: ModelManifest, runtime: Runtime) {
  const applied = new Map<string, number>();
  const unmatched = new Map<string, string[]>();
  const adder = ortLowRankAdder(runtime.ort, runtime.backend.name === "cpu" ? "cpu" : "wasm");
  return {
    async add(part: ModelPart, bytes: Uint8Array, external: readonly WeightFile[]) {
      if (!LORA_PARTS.includes(part)) return;
      const report = await applyLoras(part as LoraPart, bytes, external, loras, adder);
      for (const [name, n] of report.applied) applied.set(name, (applied.get(name) ?? 0) + n);
      for (const [name, keys] of report.unmatched) unmatched.set(name, [...(unmatched.get(name) ?? []), ...keys]);
    },
    release: () => adder.release(),
    /** Modules of parts the model does not have (an SDXL LoRA's lora_te2_ on SD) count as unmatched too. */
    warnings(parts: readonly ModelPart[]): string[] {
      const warnings: string[] = [];
      for (const lora of loras) {
        if (LORA_PARTS.every((p) => strengthFor(lora, p as LoraPart) === 0)) continue;
        const missing = lora.modules.filter((m) => !parts.includes(m.part)).map((m) => m.key);
        const skipped = [...(unmatched.get(lora.name) ?? []), ...missing, ...lora.unknown];
        if ((applied.get(lora.name) ?? 0) === 0) {
          throw new LoraError(
            `The LoRA "${lora.name}" changes nothing in ${manifest.name}: none of its ${lora.modules.length} modules ` +
              `matches a weight of this model (it was made for another base model, e.g. ${skipped.slice(0, 3).join(", ")}).`,
            { lora: lora.name },
          );
        }
        if (skipped.length > 0) {
          warnings.push(
            `LoRA "${lora.name}": ${skipped.length} key(s) not applied (no matching weight in ${manifest.name}, or a ` +
              `kind of network this app does not apply): ${skipped.join(", ")}.`,
          );
        }
      }
      return warnings;
    },
  };
}

/** Inputs each part must have; names are the public Stable Diffusion ONNX exports'. */
function requiredInputs(part: ModelPart, manifest: ModelManifest): string[] {
  switch (part) {
    case "text_encoder":
    case "text_encoder_2":
      return ["input_ids"];
    case "unet":
      return ["sample", "timestep", "encoder_hidden_states", ...(manifest.additionEmbedType === "text_time" ? ["text_embeds", "time_ids"] : [])];
    case "vae_decoder":
      return ["latent_sample"];
    case "vae_encoder":
      return ["sample"];
  }
}

/** Inputs the engine can feed beyond the required ones: an LCM-distilled U-Net's guidance embedding. */
const OPTIONAL_INPUTS: Partial<Record<ModelPart, string[]>> = { unet: ["timestep_cond"] };

/**
 * A part whose graph wants an input the engine cannot feed (an inpainting U-Net's mask, an upscaler's class labels,
 * SDXL's time_ids on a manifest that does not say text_time) would fail at the first run; say so at load instead.
 */
function checkInputs(part: ModelPart, manifest: ModelManifest, path: string, names: readonly string[]): void {
  const required = requiredInputs(part, manifest);
  const missing = required.filter((n) => !names.includes(n));
  const unknown = names.filter((n) => !required.includes(n) && !(OPTIONAL_INPUTS[part] ?? []).includes(n));
  if (missing.length === 0 && unknown.length === 0) return;
  const problem = [
    missing.length > 0 ? `lacks the input(s) ${missing.join(", ")}` : "",
    unknown.length > 0 ? `wants the input(s) ${unknown.join(", ")}, which this app cannot feed` : "",
  ]
    .filter(Boolean)
    .join(" and ");
  throw new ModelLoadError(
    `The ${part} of ${manifest.name} (${path}) ${problem} (it has ${names.join(", ")}); it is not a Stable Diffusion ONNX export ` +
      `this app understands.`,
    { file: path, inputs: names.join(",") },
  );
}

const ONNX_FIRST_BYTE = 0x08; // protobuf field 1 (ir_version), varint: every ONNX file starts so

export function pickVariant(manifest: ModelManifest, shaderF16: boolean, wanted?: string): ModelVariant {
  if (wanted) {
    const v = manifest.variants.find((x) => x.id === wanted);
    if (!v) throw new ModelLoadError(`${manifest.name} has no variant "${wanted}".`);
    if (v.requiresShaderF16 && !shaderF16) {
      const alt = manifest.variants.find((x) => !x.requiresShaderF16);
      throw new ShaderF16UnsupportedError(
        `The ${v.label} variant of ${manifest.name} computes in half precision and needs a WebGPU adapter with ` +
          `the 'shader-f16' feature, which this browser/GPU does not offer.` +
          (alt ? ` Use the ${alt.label} variant instead.` : " Try another browser or GPU."),
        { model: manifest.id, variant: v.id, ...(alt ? { alternative: alt.id } : {}) },
      );
    }
    return v;
  }
  const usable = manifest.variants.filter((v) => shaderF16 || !v.requiresShaderF16);
  if (usable.length === 0) {
    throw new ShaderF16UnsupportedError(
      `${manifest.name} only comes in half precision, which needs WebGPU with 'shader-f16'; this browser/GPU does not offer it.`,
      { model: manifest.id },
    );
  }
  return usable[0];
}

/** A part read without locating, as patching needs it: the graph and its external data in memory. */
function inMemory({ part, model, external }: PartBytes): { model: Uint8Array; external: WeightFile[] } {
  const files = external.flatMap(({ path, data }) => (typeof data === "string" ? [] : [{ path, data }]));
  if (typeof model === "string" || files.length < external.length) throw new TypeError(`The ${part} was located, not read.`);
  return { model, external: files };
}

interface PartBytes {
  part: ModelPart;
  /** The graph's bytes, or where ONNX Runtime opens it. */
  model: Uint8Array | string;
  external: ExternalDataFile[];
}

async function readPart(
  part: ModelPart,
  manifest: ModelManifest,
  variant: ModelVariant,
  source: ModelSource,
  halfPrecision: boolean,
  locate: boolean,
): Promise<PartBytes> {
  const file = variant.files[part];
  if (!file) throw new ModelLoadError(`${manifest.name} has no ${part} file.`);
  const bytes = await source.read(file.path);
  if (bytes.length === 0 || bytes[0] !== ONNX_FIRST_BYTE) {
    throw new ModelLoadError(`${file.path} of ${manifest.name} is not an ONNX model (was an HTML error page saved instead?).`, {
      file: file.path,
      unparsable: true,
    });
  }
  // a variant found by file name (a custom model's plain model.onnx) may hold half-precision weights; say so
  // before its external data is read and before ONNX Runtime fails on the first fp16 kernel
  if (!variant.requiresShaderF16 && !halfPrecision && mainWeightType(bytes) === "float16") {
    throw new ShaderF16UnsupportedError(
      `${file.path} of ${manifest.name} holds half-precision (float16) weights, although its ${variant.label} variant ` +
        `does not say so; it needs WebGPU with the 'shader-f16' feature, which this browser/GPU does not offer. ` +
        `Try another browser or GPU, or a full-precision (fp32) export of the model.`,
      { model: manifest.id, variant: variant.id, file: file.path },
    );
  }
  // before the external data, which may be gigabytes
  const inputs = graphInputNames(bytes);
  if (!inputs) {
    throw new ModelLoadError(`${file.path} of ${manifest.name} is damaged: it is not a whole ONNX model (cut short?).`, {
      file: file.path,
      unparsable: true,
    });
  }
  checkInputs(part, manifest, file.path, inputs);
  const external: ExternalDataFile[] = [];
  for (const ext of file.externalData ?? []) {
    // ORT resolves external data by the file name recorded in the graph, relative to the model
    const data = (locate ? await source.locate?.(ext.path) : undefined) ?? (await source.read(ext.path));
    external.push({ path: ext.path.split("/").pop() ?? ext.path, data });
  }
  // a located graph is opened by ONNX Runtime itself; these bytes were read only for the checks above
  return { part, model: (locate ? await source.locate?.(file.path) : undefined) ?? bytes, external };
}

async function createPart(
  { part, model, external }: PartBytes,
  manifest: ModelManifest,
  variant: ModelVariant,
  runtime: Runtime,
): Promise<ModelSession> {
  const path = variant.files[part]?.path ?? part;
  try {
    return await runtime.createSession(model, external);
  } catch (err) {
    throw new ModelLoadError(`ONNX Runtime could not load ${path} of ${manifest.name}: ${errorMessage(err)}`, { file: path, unparsable: true });
  }
}

/**
 * An LCM U-Net's `timestep_cond` width: diffusers' time_cond_proj_dim from the manifest, else the graph's own
 * static shape.
 */
function guidanceEmbedDim(manifest: ModelManifest, unet: ModelSession): number | undefined {
  const input = unet.inputs.find((i) => i.name === "timestep_cond");
  if (!input) return undefined;
  const dim = manifest.timeCondProjDim ?? input.shape[1];
  if (typeof dim !== "number" || !(dim > 1)) {
    throw new ModelLoadError(
      `The U-Net of ${manifest.name} takes a guidance embedding (timestep_cond) of no fixed width; its manifest must give ` +
        `timeCondProjDim (diffusers' time_cond_proj_dim in unet/config.json).`,
    );
  }
  return dim;
}

/**
 * Reads held in memory ahead of session creation: the built-in models' files (a few MB) are all read while the
 * first session is created, a multi-gigabyte model's one after another so their bytes never pile up.
 */
export const READ_AHEAD_BYTES = 256 * 2 ** 20;

/**
 * Yields `read(item)` in order. Once an item is read, the reads of the items after it start while the caller
 * uses it (creates its session), as long as the bytes read and not yet finished with stay within `budget`.
 * The first read runs alone: the first session also starts the runtime, so its bytes are needed soonest.
 */
export async function* readAhead<T, R>(
  items: readonly T[],
  size: (item: T) => number,
  read: (item: T) => Promise<R>,
  budget: number,
): AsyncGenerator<R> {
  // a slot is emptied once its result is handed over: the caller's session then holds the only copy of the bytes
  const started: (Promise<R> | undefined)[] = [];
  let held = 0;
  const start = () => {
    const item = items[started.length];
    held += size(item);
    const p = read(item);
    // awaited in order below; a later read failing first must not count as an unhandled rejection
    p.catch(() => undefined);
    started.push(p);
  };
  for (let i = 0; i < items.length; i++) {
    if (started.length === i) start();
    const result = await started[i]!;
    started[i] = undefined;
    while (started.length < items.length && held + size(items[started.length]) <= budget) start();
    yield result;
    held -= size(items[i]);
  }
}

const partBytes = (variant: ModelVariant, part: ModelPart): number => {
  const file = variant.files[part];
  return (file?.bytes ?? 0) + (file?.externalData ?? []).reduce((n, e) => n + (e.bytes ?? 0), 0);
};

export async function loadModel(
  manifest: ModelManifest,
  variant: ModelVariant,
  source: ModelSource,
  runtime: Runtime,
  onProgress?: (p: LoadProgress) => void,
  /** Applied to the text encoders' and U-Net's weights before their sessions are created. */
  loras: readonly LoraToApply[] = [],
): Promise<LoadedModel> {
  const decoder = new TextDecoder();
  const tokenizerFiles = {
    text: async (path: string) => decoder.decode(await source.read(path)),
    json: async (path: string): Promise<unknown> => JSON.parse(decoder.decode(await source.read(path))),
  };
  const specs = textEncoderSpecs(manifest);
  const parts = (["text_encoder", "text_encoder_2", "unet", "vae_decoder"] as const).filter((p) => variant.files[p]);
  const count = parts.length + 1;
  onProgress?.({ file: manifest.tokenizer.path, index: 0, count });
  const tokenizers = new Map<string, Promise<PromptTokenizer>>();
  const tokenizerFor = (spec: TokenizerSpec) => {
    const key = JSON.stringify(spec);
    let tokenizer = tokenizers.get(key);
    if (!tokenizer) {
      tokenizer = loadPromptTokenizer(spec, tokenizerFiles);
      tokenizers.set(key, tokenizer);
    }
    return tokenizer;
  };
  // tokenizers load while the sessions are created; awaited (and their errors seen) after them
  const encoderTokenizers = Promise.all(specs.map((spec) => tokenizerFor(spec.tokenizer ?? manifest.tokenizer)));
  encoderTokenizers.catch(() => undefined);
  const sessions: Partial<Record<ModelPart, ModelSession>> = {};
  const halfPrecision = runsHalfPrecision(runtime.backend);
  const patching = loras.some((l) => l.strength !== 0 || !!l.unetStrength);
  const patched = (part: ModelPart) => patching && LORA_PARTS.includes(part);
  // a part a LoRA patches is read into memory: its weights are edited there before ONNX Runtime gets them
  const read = (part: ModelPart) => readPart(part, manifest, variant, source, halfPrecision, !patched(part));
  const reads = readAhead(parts, (p) => partBytes(variant, p), read, READ_AHEAD_BYTES);
  let index = 0;
  let tokenizerList: PromptTokenizer[];
  let embedDim: number | undefined;
  const patches = loraReport(loras, manifest, runtime);
  let warnings: string[];
  try {
    for await (const bytes of reads) {
      index += 1;
      const file = variant.files[bytes.part]?.path ?? bytes.part;
      if (patched(bytes.part)) {
        onProgress?.({ file, index, count, applyingLora: true });
        const { model, external } = inMemory(bytes);
        await patches.add(bytes.part, model, external);
      }
      onProgress?.({ file, index, count });
      sessions[bytes.part] = await createPart(bytes, manifest, variant, runtime);
    }
    warnings = patches.warnings(parts);
    tokenizerList = await encoderTokenizers;
    embedDim = guidanceEmbedDim(manifest, sessions.unet!);
  } catch (err) {
    await Promise.all(Object.values(sessions).map((s) => s.release()));
    throw err;
  } finally {
    await patches.release();
  }
  let encoder: Promise<ModelSession> | undefined;
  const vaeEncoder = variant.files.vae_encoder
    ? () =>
        (encoder ??= read("vae_encoder")
          .then((bytes) => createPart(bytes, manifest, variant, runtime))
          .catch((err: unknown) => {
            encoder = undefined; // a later job tries again
            throw err;
          }))
    : undefined;
  const all = Object.values(sessions);
  return {
    manifest,
    variant,
    textEncoders: specs.map((spec, i) => {
      const session = sessions[spec.part];
      if (!session) throw new ModelLoadError(`${manifest.name} has no ${spec.part} file.`);
      return { spec, tokenizer: tokenizerList[i], maxLength: (spec.tokenizer ?? manifest.tokenizer).maxLength, session };
    }),
    unet: sessions.unet!,
    guidanceEmbedDim: embedDim,
    vaeDecoder: sessions.vae_decoder!,
    vaeEncoder,
    warnings,
    release: async () => {
      const lazy = encoder;
      encoder = undefined;
      await Promise.all([
        ...all.map((s) => s.release()),
        lazy?.then(
          (s) => s.release(),
          () => undefined,
        ),
      ]);
    },
  };
}
