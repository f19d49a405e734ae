import { InvalidParamsError, JobCancelledError, serializeError } from "../src/errors";
import { loadModel, pickVariant, type LoadedModel, type ModelSource } from "../src/engine/loadModel";
import { parseManifest, type ModelManifest } from "../src/manifest";
import { DEFAULT_MASK_BLUR, generate } from "../src/engine/pipeline";
import { prepareInitImage } from "../src/engine/initImage";
import { randomSeed } from "../src/engine/random";
import { runsHalfPrecision, type Runtime } from "../src/engine/runtime";
import { prepareSampling } from "../src/engine/samplers";
import { SAMPLER_NAMES, validateEdit, validateParams } from "../src/params";
import { encodePng } from "../src/png/encodePng";
import { formatParameters } from "../src/png/parameters";
import type { BackendChoice, DeviceReport, GenerateJob, ModelTarget, WorkerEvent, WorkerRequest } from "../src/protocol";
import type { WeightCache } from "../src/storage/weightCache";
import { loraUses, promptWithLoraTags, type LoraUse } from "../src/engine/lora/choices";
import { createLoraStore } from "./loras";
import { createModels } from "./models";
import { createPromptInspector } from "./promptTokens";

export interface HandlerDeps {
  createRuntime(choice: BackendChoice): Promise<Runtime>;
  /** Files of the model whose folder is `base` (fetch in the browser, the disk in tests). */
  openSource(base: string): ModelSource;
  /** The weight cache for downloaded models; null where the browser gives no storage. */
  cache: Promise<WeightCache | null>;
  /** What this device's GPU can run (WebGPU, shader-f16), without starting a runtime. */
  probeDevice(): Promise<DeviceReport>;
}

export type Post = (event: WorkerEvent, transfer?: Transferable[]) => void;

const MAX_STEPS = 150;

/**
 * The worker's message handler: a thin switch over requests. Generations and preloads run one at a time in
 * arrival order, so a generation that arrives during a preload waits for its sessions instead of creating
 * them a second time, and a model is never released while a job uses it. A cancel aborts the running job
 * between steps or drops a queued one.
 */
export function createHandler(deps: HandlerDeps, post: Post): (req: WorkerRequest) => void {
  const controllers = new Map<string, AbortController>();
  /** Generations and preloads queued behind the running one. */
  const waiting = new Set<string>();
  let queue: Promise<void> = Promise.resolve();
  let loaded: { key: string; model: LoadedModel; runtime: Runtime; loraHashes: string } | undefined;
  /** Only the newest preload is worth its load: the UI sends one per change of model, variant or backend. */
  let latestPreload: string | undefined;
  const runtimes = new Map<BackendChoice, Promise<Runtime>>();
  const models = createModels(deps.cache, deps.openSource, post);
  const loraStore = createLoraStore(deps.cache);

  /** The backend's runtime; a new one where the last broke (its GPU device was lost, or a run got stuck). */
  const runtimeFor = async (choice: BackendChoice): Promise<Runtime> => {
    const current = await runtimes.get(choice)?.catch(() => undefined);
    if (current && !current.broken) return current;
    const r = deps.createRuntime(choice);
    r.catch(() => runtimes.delete(choice));
    runtimes.set(choice, r);
    return r;
  };

  const readManifest = async (source: ModelSource): Promise<ModelManifest> =>
    parseManifest(JSON.parse(new TextDecoder().decode(await source.read("model.json"))));
  // only stored files: the prompt help never starts a download
  const inspectPrompt = createPromptInspector((target) => models.sourceFor(target, { hub: false }), readManifest);
  /** Whether the target's loaded U-Net attends to any number of prompt chunks (a dynamic sequence axis). */
  const takesChunks = (target: ModelTarget): boolean => {
    if (!loaded?.key.startsWith(`${target.modelId}|${target.modelBase}|`)) return false;
    const length = loaded.model.unet.inputs.find((i) => i.name === "encoder_hidden_states")?.shape[1];
    return length !== undefined && typeof length !== "number";
  };

  /**
   * The target's sessions with its LoRAs applied, reused when they are loaded already (same model, LoRA files and
   * strengths); the previous model's are released first.
   */
  async function ensureModel(
    id: string,
    target: ModelTarget,
    manifest: ModelManifest,
    source: ModelSource,
    uses: readonly LoraUse[],
    superseded = () => false,
  ) {
    const runtime = await runtimeFor(target.backend);
    const variant = pickVariant(manifest, runsHalfPrecision(runtime.backend), target.variant);
    const key = `${target.modelId}|${target.modelBase}|${variant.id}|${runtime.backend.name}|${await loraStore.keyOf(uses)}`;
    if (loaded?.key !== key || loaded.runtime !== runtime) {
      if (superseded()) throw new JobCancelledError();
      const old = loaded;
      loaded = undefined;
      // a broken runtime's sessions may never answer: they are let go without waiting
      if (old?.runtime.broken) void old.model.release().catch(() => undefined);
      else await old?.model.release();
      post({ kind: "status", id, status: { status: "initiate", modelId: manifest.id } });
      const resolved = await loraStore.resolve(uses);
      const model = await loadModel(
        manifest,
        variant,
        source,
        runtime,
        (p) => post({ kind: "status", id, status: { status: "progress", modelId: manifest.id, ...p } }),
        resolved.loras,
      ).catch(async (err: unknown) => {
        throw await models.explainLoadError(target, err);
      });
      loaded = { key, model, runtime, loraHashes: resolved.hashes };
    }
    const { warnings } = loaded.model;
    post({
      kind: "status",
      id,
      status: { status: "done", modelId: manifest.id, variant: variant.id, backend: runtime.backend, ...(warnings.length > 0 ? { warnings } : {}) },
    });
    return loaded;
  }

  async function preload(id: string, target: ModelTarget) {
    const superseded = () => id !== latestPreload;
    if (superseded()) throw new JobCancelledError();
    const source = await models.sourceFor(target, { hub: false });
    await ensureModel(id, target, await readManifest(source), source, loraUses(target.loras ?? [], ""), superseded);
  }

  async function run(id: string, job: GenerateJob, signal: AbortSignal) {
    const t0 = performance.now();
    const source = await models.sourceFor(job);
    const manifest = await readManifest(source);
    // every setting is checked before any work, so a runaway value costs a moment, not the queue
    const limits = { sizes: manifest.sizes, samplers: SAMPLER_NAMES, maxSteps: MAX_STEPS };
    const problems = validateParams(job.params, limits);
    if (problems.length === 0) problems.push(...validateEdit(job, job.params, limits));
    if (problems.length > 0) {
      throw new InvalidParamsError(problems.map((p) => p.message).join(" "), { field: problems[0].field });
    }
    const prepared = job.init ? prepareInitImage(job.init, job.params) : undefined;
    const requested = prepared?.params ?? job.params;
    const uses = loraUses(job.loras ?? [], requested.prompt);
    const { model, runtime, loraHashes } = await ensureModel(id, job, manifest, source, uses);
    signal.throwIfAborted();
    const loadMs = performance.now() - t0;
    const seed = requested.seed === -1 ? randomSeed() : requested.seed;
    const params = { ...requested, seed };
    const result = await generate(
      model,
      runtime,
      params,
      {
        signal,
        onProgress: (p) => post({ kind: "progress", id, ...p }),
        onPreview: job.previews
          ? ({ step, image }) => post({ kind: "preview", id, step, image }, [image.data.buffer as ArrayBuffer])
          : undefined,
      },
      { init: prepared?.init, tiling: job.tiling },
    );
    const { a1111 } = prepareSampling(params.sampler, manifest.scheduler, params.steps);
    const parameters = formatParameters({
      prompt: promptWithLoraTags(params.prompt, uses),
      negativePrompt: params.negativePrompt,
      steps: params.steps,
      sampler: a1111.sampler,
      scheduleType: a1111.scheduleType,
      cfgScale: params.guidance,
      seed,
      width: result.image.width,
      height: result.image.height,
      model: manifest.id,
      denoisingStrength: prepared ? params.denoisingStrength : undefined,
      extra: {
        ...(prepared?.init.mask ? { "Mask blur": String(prepared.init.maskBlur ?? DEFAULT_MASK_BLUR) } : {}),
        ...(loraHashes ? { "Lora hashes": loraHashes } : {}),
      },
    });
    const png = encodePng(result.image.data, result.image.width, result.image.height, { parameters });
    post(
      {
        kind: "result",
        id,
        result: {
          png,
          width: result.image.width,
          height: result.image.height,
          seed,
          parameters,
          params,
          modelId: manifest.id,
          timings: { ...result.timings, loadMs },
          warnings: result.warnings,
        },
      },
      [png.buffer as ArrayBuffer],
    );
  }

  /** Runs `work` after the jobs before it; a cancel before its turn drops it and is answered at once. */
  function enqueue(id: string, work: (signal: AbortSignal) => Promise<void>) {
    const controller = new AbortController();
    controllers.set(id, controller);
    waiting.add(id);
    queue = queue.then(async () => {
      if (!waiting.delete(id)) return;
      try {
        await work(controller.signal);
      } catch (err) {
        if (controller.signal.aborted || err instanceof JobCancelledError) post({ kind: "cancelled", id });
        else post({ kind: "error", id, error: serializeError(err) });
      } finally {
        controllers.delete(id);
      }
    });
  }

  return (req) => {
    switch (req.kind) {
      case "generate":
        enqueue(req.id, (signal) => run(req.id, req.job, signal));
        break;
      case "preload":
        latestPreload = req.id;
        enqueue(req.id, () => preload(req.id, req.target));
        break;
      case "cancel":
        controllers.get(req.id)?.abort(new JobCancelledError());
        // a job still waiting is answered now, not after the job before it (which may be stuck)
        if (waiting.delete(req.id)) {
          controllers.delete(req.id);
          post({ kind: "cancelled", id: req.id });
        }
        break;
      case "download": {
        // downloads run beside generations, so the built-in model stays usable meanwhile
        const controller = new AbortController();
        controllers.set(req.id, controller);
        models
          .download(req.id, req.modelId, req.variant, req.hubBase, controller.signal, req.again)
          .catch((err: unknown) => {
            if (controller.signal.aborted) post({ kind: "cancelled", id: req.id });
            else post({ kind: "error", id: req.id, error: serializeError(err) });
          })
          .finally(() => controllers.delete(req.id));
        break;
      }
      case "deleteModel":
        // its sessions go after the jobs already running or queued, which hold their bytes and finish
        queue = queue.then(async () => {
          if (!loaded?.key.startsWith(`${req.modelId}|`)) return;
          const old = loaded;
          loaded = undefined;
          await old.model.release().catch(() => undefined);
        });
        models.deleteModel(req.id, req.modelId).catch((err: unknown) => post({ kind: "error", id: req.id, error: serializeError(err) }));
        break;
      case "loras":
        loraStore
          .act(req.action)
          .then((loras) => post({ kind: "loras", id: req.id, loras }))
          .catch((err: unknown) => post({ kind: "error", id: req.id, error: serializeError(err) }));
        break;
      case "storage":
        models.storage(req.id).catch((err: unknown) => post({ kind: "error", id: req.id, error: serializeError(err) }));
        break;
      case "device":
        deps.probeDevice().then(
          (report) => post({ kind: "device", id: req.id, report }),
          (err: unknown) => post({ kind: "error", id: req.id, error: serializeError(err) }),
        );
        break;
      case "tokenize":
        inspectPrompt(req.target, req.text, req.syntax, takesChunks(req.target)).then(
          (report) => post({ kind: "tokens", id: req.id, report }),
          (err: unknown) => post({ kind: "error", id: req.id, error: serializeError(err) }),
        );
        break;
    }
  };
}
