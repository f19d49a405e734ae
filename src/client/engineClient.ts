import { deserializeError, JobCancelledError } from "../errors";
import type {
  DeviceReport,
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

export interface JobHandlers {
  onStatus?: (s: LoadStatus) => void;
  onProgress?: (p: { step: number; steps: number; elapsedMs: number }) => void;
  onPreview?: (p: { step: number; image: RgbaImageMessage }) => void;
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
  tokenize(target: ModelTarget, text: string): Promise<PromptTokens>;
  /** Lists, adds or removes stored LoRA files; resolves with the list after the action. */
  loras(action: LoraAction): Promise<LoraInfo[]>;
}

interface Pending {
  onEvent: (ev: WorkerEvent) => void;
  /** A preload ends with its "done" status; a generation goes on to run. */
  endsOnLoad: boolean;
  resolve: (value: unknown) => void;
  reject: (e: Error) => void;
}

/** Correlates worker events with the request that asked for them, by id. */
export function createEngineClient(port: MessagePort): EngineClient {
  const pending = new Map<string, Pending>();
  let counter = 0;
  port.addEventListener("message", (e) => {
    const ev = e.data;
    const p = pending.get(ev.id);
    if (!p) return;
    switch (ev.kind) {
      case "result":
        pending.delete(ev.id);
        p.resolve(ev.result);
        break;
      case "storage":
        pending.delete(ev.id);
        p.resolve(ev.report);
        break;
      case "deleted":
        pending.delete(ev.id);
        p.resolve(undefined);
        break;
      case "loras":
        pending.delete(ev.id);
        p.resolve(ev.loras);
        break;
      case "device":
      case "tokens":
        pending.delete(ev.id);
        p.resolve(ev.report);
        break;
      case "status":
        p.onEvent(ev);
        if (p.endsOnLoad && ev.status.status === "done") {
          pending.delete(ev.id);
          p.resolve(ev.status);
        }
        break;
      case "download":
        p.onEvent(ev);
        if (ev.status.status === "done") {
          pending.delete(ev.id);
          p.resolve(undefined);
        }
        break;
      case "cancelled":
        pending.delete(ev.id);
        p.reject(new JobCancelledError());
        break;
      case "error":
        pending.delete(ev.id);
        p.reject(deserializeError(ev.error));
        break;
      default:
        p.onEvent(ev);
    }
  });

  function request<T>(make: (id: string) => WorkerRequest, onEvent: (ev: WorkerEvent) => void = () => undefined, endsOnLoad = false): Running<T> {
    const id = `req-${Date.now().toString(36)}-${(counter++).toString(36)}`;
    const done = new Promise<T>((resolve, reject) =>
      pending.set(id, { onEvent, endsOnLoad, resolve: resolve as (v: unknown) => void, reject }),
    );
    port.postMessage(make(id));
    return { id, done, cancel: () => port.postMessage({ kind: "cancel", id }) };
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
      ),
    preload: (target, onStatus) =>
      request<ModelLoaded>(
        (id) => ({ kind: "preload", id, target }),
        (ev) => {
          if (ev.kind === "status") onStatus?.(ev.status);
        },
        true,
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
    tokenize: (target, text) => request<PromptTokens>((id) => ({ kind: "tokenize", id, target, text })).done,
    loras: (action) => request<LoraInfo[]>((id) => ({ kind: "loras", id, action })).done,
  };
}
