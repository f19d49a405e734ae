import { deserializeError } from "../errorRegistry";
import { JobCancelledError, needsNewEngine, WebGPUUnavailableError } from "../errors";
import type { PromptSyntax } from "../params";
import type {
  DeviceReport,
  BackendChoice,
  DownloadStatus,
  GenerateJob,
  LoadStatus,
  LoraAction,
  LoraInfo,
  ModelTarget,
  PromptTokens,
  ResultMessage,
  RgbaImageMessage,
  StorageReport,
  WorkerEvent,
  WorkerRequest,
} from "../protocol";

/** What the UI (and the embed widget) needs from anything that posts and receives protocol messages. */
export interface MessagePort {
  postMessage(message: WorkerRequest): void;
  addEventListener(type: "message", listener: (e: MessageEvent<WorkerEvent>) => void): void;
}

/** The engine's worker: a port the client can also end, and replace with a fresh one. */
export interface EngineWorker extends MessagePort {
  terminate(): void;
}

export interface JobHandlers {
  onStatus?: (s: LoadStatus) => void;
  onProgress?: (p: { step: number; steps: number; elapsedMs: number }) => void;
  onPreview?: (p: { step: number; image: RgbaImageMessage }) => void;
  /** The engine was replaced after a GPU reset or a stuck run, and the job starts again: says why, and where it now runs. */
  onRecovering?: (message: string) => void;
}

export interface Running<T> {
  id: string;
  /** Resolves with the result; rejects with a rebuilt named error, or JobCancelledError. */
  done: Promise<T>;
  /** Cancels a generation; pauses a download (what it stored is kept for resuming). */
  cancel(): void;
}

export type RunningJob = Running<ResultMessage>;

/** How a preload ends: the model's variant and the backend it runs on. */
export type ModelLoaded = Extract<LoadStatus, { status: "done" }>;

export interface EngineClient {
  generate(job: GenerateJob, handlers?: JobHandlers): RunningJob;
  /** Loads the model ahead of a generation; rejects with the load's error, or JobCancelledError when a newer preload replaced it. */
  preload(target: ModelTarget, onStatus?: (s: LoadStatus) => void): Running<ModelLoaded>;
  /** `again` names a stored file that would not load: it is deleted first and downloaded anew. */
  download(modelId: string, hubBase: string, onStatus?: (s: DownloadStatus) => void, variant?: string, again?: string): Running<void>;
  deleteModel(modelId: string): Promise<void>;
  storage(): Promise<StorageReport>;
  device(): Promise<DeviceReport>;
  tokenize(target: ModelTarget, text: string, syntax?: PromptSyntax): Promise<PromptTokens>;
  /** Lists, adds or removes stored LoRA files; resolves with the list after the action. */
  loras(action: LoraAction): Promise<LoraInfo[]>;
}

interface Pending {
  request: WorkerRequest;
  onEvent: (ev: WorkerEvent) => void;
  onRecovering: (message: string) => void;
  /** A preload ends with its "done" status; a generation goes on to run. */
  endsOnLoad: boolean;
  resolve: (value: unknown) => void;
  reject: (e: Error) => void;
  /** How often the job has been started again on a new engine. */
  restarts: number;
  /** When the last progress event came, and the time between the last two: how long one step takes. */
  lastStepAt?: number;
  stepMs?: number;
  cancelTimer?: ReturnType<typeof setTimeout>;
}

export interface ClientOptions {
  /** A cancelled generation that has not stopped after this long, or two of its steps, has its worker replaced. */
  minCancelGraceMs?: number;
}

const FALLBACK_NOTICE = "WebGPU did not come back after the GPU reset, so this job runs on WASM (the CPU) instead; it is slower.";

/**
 * Correlates worker events with the request that asked for them, by id, and keeps the engine alive: when the
 * engine reports a lost GPU device or a stuck run, or a cancelled generation does not stop in time, the worker
 * is terminated and a fresh one started, and every request still open is sent to it again. A job that met a
 * GPU reset is retried once; if it fails the same way again it runs on WASM.
 */
export function createEngineClient(spawn: () => EngineWorker, { minCancelGraceMs = 3000 }: ClientOptions = {}): EngineClient {
  const pending = new Map<string, Pending>();
  let counter = 0;
  /** After WebGPU failed to come back once, "auto" means WASM for the rest of the page's life. */
  let gpuGaveUp = false;
  let worker = start();

  function start(): EngineWorker {
    const w = spawn();
    // events from a worker already replaced are dropped
    w.addEventListener("message", (e) => {
      if (w === worker) onEvent(e.data);
    });
    return w;
  }

  /** Ends the worker (and whatever it was stuck on) and sends every open request to a fresh one; cancelled ones end. */
  function restart() {
    worker.terminate();
    worker = start();
    for (const [id, p] of pending) {
      if (p.cancelTimer !== undefined) settle(id, p, { error: new JobCancelledError() });
      else worker.postMessage(p.request);
    }
  }

  function settle(id: string, p: Pending, outcome: { value: unknown } | { error: Error }) {
    clearTimeout(p.cancelTimer);
    pending.delete(id);
    if ("error" in outcome) p.reject(outcome.error);
    else p.resolve(outcome.value);
  }

  /** Whether a failed job is started again on a new worker (and on which backend); false hands the error to the caller. */
  function recover(p: Pending, err: Error): boolean {
    if (p.request.kind !== "generate" && p.request.kind !== "preload") return false;
    const target = p.request.kind === "generate" ? p.request.job : p.request.target;
    const gpuLost = needsNewEngine(err) || (p.restarts > 0 && err instanceof WebGPUUnavailableError);
    if (!gpuLost || p.restarts >= 2 || p.cancelTimer !== undefined) return false;
    p.restarts += 1;
    if (p.restarts === 2) {
      if (target.backend === "wasm") return false;
      gpuGaveUp = true;
      p.request = onWasm(p.request);
      p.onRecovering(FALLBACK_NOTICE);
    } else {
      p.onRecovering(err.message);
    }
    return true;
  }

  function onEvent(ev: WorkerEvent) {
    const p = pending.get(ev.id);
    if (!p) return;
    switch (ev.kind) {
      case "result":
        settle(ev.id, p, { value: ev.result });
        break;
      case "storage":
        settle(ev.id, p, { value: ev.report });
        break;
      case "deleted":
        settle(ev.id, p, { value: undefined });
        break;
      case "loras":
        settle(ev.id, p, { value: ev.loras });
        break;
      case "device":
      case "tokens":
        settle(ev.id, p, { value: ev.report });
        break;
      case "status":
        p.onEvent(ev);
        if (p.endsOnLoad && ev.status.status === "done") settle(ev.id, p, { value: ev.status });
        break;
      case "download":
        p.onEvent(ev);
        if (ev.status.status === "done") settle(ev.id, p, { value: undefined });
        break;
      case "cancelled":
        settle(ev.id, p, { error: new JobCancelledError() });
        break;
      case "error": {
        const err = deserializeError(ev.error);
        if (recover(p, err)) restart();
        else {
          settle(ev.id, p, { error: err });
          // the worker's runtime is broken: later jobs get a fresh one
          if (needsNewEngine(err)) restart();
        }
        break;
      }
      case "progress": {
        const now = performance.now();
        if (p.lastStepAt !== undefined) p.stepMs = now - p.lastStepAt;
        p.lastStepAt = now;
        p.onEvent(ev);
        break;
      }
      default:
        p.onEvent(ev);
    }
  }

  /** Cancel is sent to the worker; a generation still running a grace period later (its worker stuck) ends with its worker. */
  function cancel(id: string) {
    const p = pending.get(id);
    if (!p) return;
    worker.postMessage({ kind: "cancel", id });
    if (p.request.kind !== "generate" || p.cancelTimer !== undefined) return;
    const graceMs = Math.max(minCancelGraceMs, 2 * (p.stepMs ?? 0));
    p.cancelTimer = setTimeout(() => {
      if (pending.get(id) !== p) return;
      settle(id, p, { error: new JobCancelledError() });
      restart();
    }, graceMs);
  }

  function request<T>(
    make: (id: string) => WorkerRequest,
    onEvent: (ev: WorkerEvent) => void = () => undefined,
    { endsOnLoad = false, onRecovering = () => undefined }: { endsOnLoad?: boolean; onRecovering?: (message: string) => void } = {},
  ): Running<T> {
    const id = `req-${Date.now().toString(36)}-${(counter++).toString(36)}`;
    const made = make(id);
    const req = gpuGaveUp ? onWasm(made, "auto") : made;
    const done = new Promise<T>((resolve, reject) =>
      pending.set(id, { request: req, onEvent, onRecovering, endsOnLoad, resolve: resolve as (v: unknown) => void, reject, restarts: 0 }),
    );
    worker.postMessage(req);
    return { id, done, cancel: () => cancel(id) };
  }

  return {
    generate: (job, handlers = {}) =>
      request<ResultMessage>(
        (id) => ({ kind: "generate", id, job }),
        (ev) => {
          if (ev.kind === "status") handlers.onStatus?.(ev.status);
          else if (ev.kind === "progress") handlers.onProgress?.(ev);
          else if (ev.kind === "preview") handlers.onPreview?.(ev);
        },
        { onRecovering: handlers.onRecovering },
      ),
    preload: (target, onStatus) =>
      request<ModelLoaded>(
        (id) => ({ kind: "preload", id, target }),
        (ev) => {
          if (ev.kind === "status") onStatus?.(ev.status);
        },
        { endsOnLoad: true },
      ),
    download: (modelId, hubBase, onStatus, variant, again) =>
      request<void>(
        (id) => ({ kind: "download", id, modelId, hubBase, variant, ...(again ? { again } : {}) }),
        (ev) => {
          if (ev.kind === "download") onStatus?.(ev.status);
        },
      ),
    deleteModel: (modelId) => request<void>((id) => ({ kind: "deleteModel", id, modelId })).done,
    storage: () => request<StorageReport>((id) => ({ kind: "storage", id })).done,
    device: () => request<DeviceReport>((id) => ({ kind: "device", id })).done,
    tokenize: (target, text, syntax) => request<PromptTokens>((id) => ({ kind: "tokenize", id, target, text, syntax })).done,
    loras: (action) => request<LoraInfo[]>((id) => ({ kind: "loras", id, action })).done,
  };
}

/** The request moved to the WASM backend: all of its targets, or only those left to the engine's choice ("auto"). */
function onWasm(req: WorkerRequest, only?: BackendChoice): WorkerRequest {
  const move = (b: BackendChoice): BackendChoice => (only === undefined || b === only ? "wasm" : b);
  if (req.kind === "generate") return { ...req, job: { ...req.job, backend: move(req.job.backend) } };
  if (req.kind === "preload") return { ...req, target: { ...req.target, backend: move(req.target.backend) } };
  return req;
}
