/**
 * The engine's front door: a job in, the finished image out. It checks the settings against the model's limits,
 * keeps one model's sessions loaded (its manifest read once per load, the sessions reused while the model, variant,
 * backend and LoRAs stay the same), prepares the source image, generates, and labels the result as AUTOMATIC1111
 * would (parameters text, PNG). The worker, the benches, the tools and the tests all come in here. Where files and
 * LoRAs come from is handed in, so the engine knows nothing of storage.
 */
import { InvalidParamsError } from "../errors";
import type { ModelManifest } from "../manifest";
import { DEFAULT_MASK_BLUR, limitsFor, RANDOM_SEED, validateEdit, validateParams, type GenerateParams } from "../params";
import { encodePng } from "../png/encodePng";
import { formatParameters } from "../png/parameters";
import type { BackendChoice, GenerateJob, LoadStatus, ModelTarget, ResultMessage } from "../protocol";
import { prepareInitImage } from "./initImage";
import { loraUses, promptWithLoraTags, type LoraUse } from "./lora/choices";
import type { LoraToApply } from "./lora/patch";
import { loadModel, pickVariant, readManifest, type LoadedModel, type ModelSource } from "./loadModel";
import { generate, type GenerateHooks, type RgbaImage } from "./pipeline";
import { randomSeed } from "./random";
import { runsHalfPrecision, type Runtime } from "./runtime";
import { a1111Sampler, type A1111Sampler } from "./samplers";

/** Stored LoRA files, by the names prompts and the LoRA panel give them. */
export interface LoraFiles {
  /** Changes whenever a LoRA, its strength or its stored file changes; read without opening any file. */
  keyOf(uses: readonly LoraUse[]): Promise<string>;
  /** The parsed files, with A1111's `Lora hashes` text ("" when none applies). */
  resolve(uses: readonly LoraUse[]): Promise<{ loras: LoraToApply[]; hashes: string }>;
}

export interface EngineDeps {
  /** A runtime for the backend; asked for again when the last one broke (its GPU device was lost, a run got stuck). */
  createRuntime(choice: BackendChoice): Promise<Runtime>;
  /** Where the target's files come from. "preload": a load ahead of any job, which must not start a download. */
  openModel(target: ModelTarget, use: "preload" | "generate"): Promise<ModelSource>;
  /** Stored LoRAs; without them, a job that names one is refused. */
  loras?: LoraFiles;
  /** A more helpful error for a failed load (a damaged stored file to fetch again); the error itself otherwise. */
  explainLoadError?(target: ModelTarget, err: unknown): Promise<unknown>;
}

export interface EngineHooks {
  signal?: AbortSignal;
  /** Loading: initiate, then progress per file, then done (done alone when the sessions were loaded already). */
  onStatus?: (status: LoadStatus) => void;
  onProgress?: GenerateHooks["onProgress"];
  /** Called only for jobs that ask for previews. */
  onPreview?: GenerateHooks["onPreview"];
}

export interface EngineResult {
  image: RgbaImage;
  /** The image as PNG, carrying `parameters` in A1111's text chunk. */
  png: Uint8Array;
  /** The seed used: a random one when the job said −1. */
  seed: number;
  /** The sampler that ran, as A1111 names it ("Sampler" and "Schedule type"). */
  sampler: A1111Sampler;
  /** AUTOMATIC1111's `parameters` text. */
  parameters: string;
  /** The settings that ran: the seed drawn, an image job's strength. */
  params: GenerateParams;
  modelId: string;
  timings: ResultMessage["timings"];
  /** What the image does not follow of the request (e.g. a prompt cut short), in words for the user. */
  warnings: string[];
}

export interface Engine {
  /** Loads the target's sessions (with its LoRAs) ahead of a job; nothing is done when they are loaded already. */
  load(target: ModelTarget, hooks?: Pick<EngineHooks, "signal" | "onStatus">): Promise<void>;
  /** Runs one job; its settings are checked before any model work, so a bad value costs a moment. */
  generate(job: GenerateJob, hooks?: EngineHooks): Promise<EngineResult>;
  /** Lets the loaded sessions go when they are `modelId`'s (whichever they are when absent). */
  release(modelId?: string): Promise<void>;
  /** Whether the target's loaded U-Net attends to any number of prompt chunks (a dynamic sequence axis). */
  takesChunks(target: ModelTarget): boolean;
}

interface Loaded {
  /** The model's files and manifest: `modelKey` of its target. */
  modelKey: string;
  source: ModelSource;
  manifest: ModelManifest;
  /** The sessions: model, variant, backend and LoRAs. */
  key: string;
  model: LoadedModel;
  runtime: Runtime;
  loraHashes: string;
}

const modelKey = (target: ModelTarget) => `${target.modelId}|${target.modelBase}|${target.variant ?? ""}`;

/** Where no LoRA store is handed in, the engine has no LoRA to apply. */
const NO_LORAS: LoraFiles = {
  async keyOf(uses) {
    if (uses.length === 0) return "";
    const u = uses[0];
    throw new InvalidParamsError(`No LoRA named "${u.name}" is stored here.`, { field: u.fromPrompt ? "prompt" : "loras" });
  },
  resolve: async () => ({ loras: [], hashes: "" }),
};

/** Every problem with a job's settings against the model's limits, thrown as one InvalidParamsError. */
function checkJob(job: GenerateJob, manifest: ModelManifest): void {
  const limits = limitsFor(manifest);
  const problems = validateParams(job.params, limits);
  if (problems.length === 0) problems.push(...validateEdit(job, job.params, limits));
  if (problems.length > 0) throw new InvalidParamsError(problems.map((p) => p.message).join(" "), { field: problems[0].field });
}

export function createEngine(deps: EngineDeps): Engine {
  const loras = deps.loras ?? NO_LORAS;
  const runtimes = new Map<BackendChoice, Promise<Runtime>>();
  let loaded: Loaded | undefined;

  /** The backend's runtime; a new one where the last broke. */
  const runtimeFor = async (choice: BackendChoice): Promise<Runtime> => {
    const current = await runtimes.get(choice)?.catch(() => undefined);
    if (current && !current.broken) return current;
    const r = deps.createRuntime(choice);
    r.catch(() => runtimes.delete(choice));
    runtimes.set(choice, r);
    return r;
  };

  /** The target's files and manifest: those of the loaded model when it is the target, else read anew. */
  async function open(target: ModelTarget, use: "preload" | "generate"): Promise<{ source: ModelSource; manifest: ModelManifest }> {
    if (loaded?.modelKey === modelKey(target)) return loaded;
    const source = await deps.openModel(target, use);
    return { source, manifest: await readManifest(source) };
  }

  async function unload(old: Loaded | undefined) {
    if (loaded === old) loaded = undefined;
    // a broken runtime's sessions may never answer: they are let go without waiting
    if (old?.runtime.broken) void old.model.release().catch(() => undefined);
    else await old?.model.release();
  }

  /** The target's sessions with `uses` applied, reused when loaded already; the previous model's are released first. */
  async function ensureModel(
    target: ModelTarget,
    { source, manifest }: { source: ModelSource; manifest: ModelManifest },
    uses: readonly LoraUse[],
    { signal, onStatus }: Pick<EngineHooks, "signal" | "onStatus">,
  ): Promise<Loaded> {
    const runtime = await runtimeFor(target.backend);
    const variant = pickVariant(manifest, runsHalfPrecision(runtime.backend), target.variant);
    const key = `${target.modelId}|${target.modelBase}|${variant.id}|${runtime.backend.name}|${await loras.keyOf(uses)}`;
    if (loaded?.key !== key || loaded.runtime !== runtime) {
      signal?.throwIfAborted();
      await unload(loaded);
      onStatus?.({ status: "initiate", modelId: manifest.id });
      const resolved = await loras.resolve(uses);
      const model = await loadModel(
        manifest,
        variant,
        source,
        runtime,
        (p) => onStatus?.({ status: "progress", modelId: manifest.id, ...p }),
        resolved.loras,
      ).catch(async (err: unknown) => {
        throw deps.explainLoadError ? await deps.explainLoadError(target, err) : err;
      });
      loaded = { modelKey: modelKey(target), source, manifest, key, model, runtime, loraHashes: resolved.hashes };
    }
    const { warnings } = loaded.model;
    onStatus?.({ status: "done", modelId: manifest.id, variant: variant.id, backend: runtime.backend, ...(warnings.length > 0 ? { warnings } : {}) });
    return loaded;
  }

  return {
    async load(target, hooks = {}) {
      hooks.signal?.throwIfAborted();
      await ensureModel(target, await open(target, "preload"), loraUses(target.loras ?? [], ""), hooks);
    },

    async generate(job, hooks = {}) {
      const t0 = performance.now();
      const opened = await open(job, "generate");
      // every setting is checked before any work, so a runaway value costs a moment, not the queue
      checkJob(job, opened.manifest);
      const prepared = job.init ? prepareInitImage(job.init, job.params) : undefined;
      const requested = prepared?.params ?? job.params;
      const uses = loraUses(job.loras ?? [], requested.prompt);
      const { manifest, model, runtime, loraHashes } = await ensureModel(job, opened, uses, hooks);
      hooks.signal?.throwIfAborted();
      const loadMs = performance.now() - t0;
      const params = { ...requested, seed: requested.seed === RANDOM_SEED ? randomSeed() : requested.seed };
      const { image, timings, warnings } = await generate(
        model,
        runtime,
        params,
        { signal: hooks.signal, onProgress: hooks.onProgress, onPreview: job.previews ? hooks.onPreview : undefined },
        { init: prepared?.init, tiling: job.tiling },
      );
      // the strength-0 round trip samples nothing, but its parameters still name the sampler asked for
      const a1111 = a1111Sampler(params.sampler);
      const parameters = formatParameters({
        prompt: promptWithLoraTags(params.prompt, uses),
        negativePrompt: params.negativePrompt,
        steps: params.steps,
        sampler: a1111.sampler,
        scheduleType: a1111.scheduleType,
        cfgScale: params.guidance,
        seed: params.seed,
        width: image.width,
        height: image.height,
        model: manifest.id,
        denoisingStrength: prepared ? params.denoisingStrength : undefined,
        extra: {
          ...(prepared?.init.mask ? { "Mask blur": String(prepared.init.maskBlur ?? DEFAULT_MASK_BLUR) } : {}),
          ...(loraHashes ? { "Lora hashes": loraHashes } : {}),
        },
      });
      const png = encodePng(image.data, image.width, image.height, { parameters });
      return { image, png, seed: params.seed, sampler: a1111, parameters, params, modelId: manifest.id, timings: { ...timings, loadMs }, warnings };
    },

    async release(modelId) {
      if (loaded && (modelId === undefined || loaded.key.startsWith(`${modelId}|`))) await unload(loaded);
    },

    takesChunks(target) {
      if (!loaded?.key.startsWith(`${target.modelId}|${target.modelBase}|`)) return false;
      const length = loaded.model.unet.inputs.find((i) => i.name === "encoder_hidden_states")?.shape[1];
      return length !== undefined && typeof length !== "number";
    },
  };
}
