import { JobCancelledError, serializeError } from "../src/errors";
import { createEngine } from "../src/engine/engine";
import { readManifest, type ModelSource } from "../src/engine/loadModel";
import type { Runtime } from "../src/engine/runtime";
import type { BackendChoice, DeviceReport, PostEvent, WorkerRequest } from "../src/protocol";
import type { WeightCache } from "../src/storage/weightCache";
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

/**
 * The worker's message handler: a thin switch over requests, posting what the engine reports. Generations and
 * preloads run one at a time in arrival order, so a generation that arrives during a preload waits for its sessions
 * instead of creating them a second time, and a model is never released while a job uses it. A cancel aborts the
 * running job between steps or drops a queued one; a newer preload cancels the ones before it.
 */
export function createHandler(deps: HandlerDeps, post: PostEvent): (req: WorkerRequest) => void {
  const controllers = new Map<string, AbortController>();
  /** Generations and preloads queued behind the running one. */
  const waiting = new Set<string>();
  let queue: Promise<void> = Promise.resolve();
  /** Only the newest preload is worth its load: the UI sends one per change of model, variant or backend. */
  let latestPreload: string | undefined;
  const models = createModels(deps.cache, deps.openSource, post);
  const loraStore = createLoraStore(deps.cache);
  const engine = createEngine({
    createRuntime: deps.createRuntime,
    // a preload uses only stored files: it never starts a download
    openModel: (target, use) => models.sourceFor(target, { hub: use === "generate" }),
    loras: loraStore,
    explainLoadError: (target, err) => models.explainLoadError(target, err),
  });
  // only stored files: the prompt help never starts a download
  const inspectPrompt = createPromptInspector((target) => models.sourceFor(target, { hub: false }), readManifest);

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
      case "generate": {
        const { id, job } = req;
        enqueue(id, async (signal) => {
          const { png, image, seed, parameters, params, modelId, timings, warnings } = await engine.generate(job, {
            signal,
            onStatus: (status) => post({ kind: "status", id, status }),
            onProgress: (p) => post({ kind: "progress", id, ...p }),
            onPreview: ({ step, image }) => post({ kind: "preview", id, step, image }, [image.data.buffer as ArrayBuffer]),
          });
          const result = { png, width: image.width, height: image.height, seed, parameters, params, modelId, timings, warnings };
          post({ kind: "result", id, result }, [png.buffer as ArrayBuffer]);
        });
        break;
      }
      case "preload": {
        const { id, target } = req;
        if (latestPreload !== undefined) controllers.get(latestPreload)?.abort(new JobCancelledError());
        latestPreload = id;
        enqueue(id, (signal) => engine.load(target, { signal, onStatus: (status) => post({ kind: "status", id, status }) }));
        break;
      }
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
        queue = queue.then(() => engine.release(req.modelId).catch(() => undefined));
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
        inspectPrompt(req.target, req.text, req.syntax, engine.takesChunks(req.target)).then(
          (report) => post({ kind: "tokens", id: req.id, report }),
          (err: unknown) => post({ kind: "error", id: req.id, error: serializeError(err) }),
        );
        break;
    }
  };
}
