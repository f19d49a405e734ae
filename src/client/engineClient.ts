import { deserializeError, JobCancelledError } from "../errors";
import type { GenerateJob, LoadStatus, ResultMessage, RgbaImageMessage, WorkerEvent, WorkerRequest } from "../protocol";

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

export interface RunningJob {
  id: string;
  /** Resolves with the result; rejects with a rebuilt named error, or JobCancelledError. */
  done: Promise<ResultMessage>;
  cancel(): void;
}

export interface EngineClient {
  generate(job: GenerateJob, handlers?: JobHandlers): RunningJob;
}

/** Correlates worker events with the job that asked for them, by id. */
export function createEngineClient(port: MessagePort): EngineClient {
  const pending = new Map<
    string,
    { handlers: JobHandlers; resolve: (r: ResultMessage) => void; reject: (e: Error) => void }
  >();
  let counter = 0;
  port.addEventListener("message", (e) => {
    const ev = e.data;
    const job = pending.get(ev.id);
    if (!job) return;
    switch (ev.kind) {
      case "status":
        job.handlers.onStatus?.(ev.status);
        break;
      case "progress":
        job.handlers.onProgress?.(ev);
        break;
      case "preview":
        job.handlers.onPreview?.(ev);
        break;
      case "result":
        pending.delete(ev.id);
        job.resolve(ev.result);
        break;
      case "cancelled":
        pending.delete(ev.id);
        job.reject(new JobCancelledError());
        break;
      case "error":
        pending.delete(ev.id);
        job.reject(deserializeError(ev.error));
        break;
    }
  });
  return {
    generate(job, handlers = {}) {
      const id = `job-${Date.now().toString(36)}-${(counter++).toString(36)}`;
      const done = new Promise<ResultMessage>((resolve, reject) => pending.set(id, { handlers, resolve, reject }));
      port.postMessage({ kind: "generate", id, job });
      return { id, done, cancel: () => port.postMessage({ kind: "cancel", id }) };
    },
  };
}
