import type { RunningJob } from "../client/engineClient";
import { AppError, JobCancelledError, serializeError, ShaderF16UnsupportedError, WebGPUUnavailableError, type SerializedError } from "../errors";
import { DamagedModelFileError } from "../storage/errors";
import type { GenerateParams } from "../params";
import type { BackendMessage, LoadStatus, ResultMessage, RgbaImageMessage } from "../protocol";
import type { FormProblem } from "./formSlice";
import { modelTarget } from "./preload";
import { EMPTY_TALLY, moveJob, plannedSteps, quarterReached, removeJob, type QueuedJob, type RunTally } from "./queue";
import type { SliceCreator, StoreDeps } from "./store";

export type Phase = "idle" | "loading" | "running" | "done" | "error" | "cancelled";

export interface FinishedImage {
  jobId: string;
  url: string;
  blob: Blob;
  seed: number;
  parameters: string;
  width: number;
  height: number;
  params: GenerateParams;
  modelId: string;
  /** Absent for an image read back from the gallery after a reload. */
  timings?: ResultMessage["timings"];
  warnings: string[];
}

/** What happens to one queued job, for whoever queued it (the embed API follows its own jobs this way). */
export type JobEvent =
  | { kind: "started" }
  | { kind: "status"; text: string }
  | { kind: "progress"; step: number; steps: number }
  | { kind: "preview"; step: number; image: RgbaImageMessage }
  | { kind: "result"; image: FinishedImage }
  | { kind: "cancelled" }
  | { kind: "error"; error: SerializedError };
export type JobListener = (event: JobEvent) => void;

export interface QueueSlice {
  /** Jobs waiting for the engine, in the order they will run. */
  queue: QueuedJob[];
  /** The job the engine is working on. */
  current?: QueuedJob;
  tally: RunTally;
  phase: Phase;
  statusText: string;
  /**
   * What a screen reader is told: the start of a job, each quarter of its steps and its end. The status line
   * changes every step, too often to announce.
   */
  announcement: string;
  /** Steps the running job has finished. */
  step: number;
  /** Steps the running job takes: planned until the engine reports them (img2img runs only part of the schedule). */
  jobSteps: number;
  preview?: { step: number; image: RgbaImageMessage };
  /** This visit's finished images, oldest first; older ones drop off (they stay in the gallery). */
  images: FinishedImage[];
  selected: number;
  /** The user picked a finished image to look at, so the result frame stops following the running job. */
  pinned: boolean;
  /** The backend the worker reported for the loaded model; cleared while another load is on the way or after it failed. */
  backend?: BackendMessage;
  /** Why the last model load left no backend (WebGPU asked for where there is none, a model that will not load). */
  backendProblem?: { name: string; message: string };
  error?: { name: string; message: string };
  /** Adds jobs at the end of the queue and starts the first if the engine is free; returns their ids. */
  enqueue(jobs: readonly QueuedJob[], listener?: JobListener): string[];
  moveJob(id: string, offset: number): void;
  /** Stops the running job or drops a waiting one; false when no such job is left. */
  cancelJob(id: string): boolean;
  /** Stops the running job; the jobs waiting behind it go on. */
  cancel(): void;
  /** Drops every waiting job; the running one goes on. */
  clearQueue(): void;
  select(i: number): void;
  showError(err: unknown): void;
  /**
   * Progress of a preload: shown while no job runs or while the running job waits for it; once the model is
   * loaded, the backend it runs on. Undefined when the preload failed (the status line is cleared, and the
   * failure is kept as the backend's problem).
   */
  showLoadStatus(status: LoadStatus | undefined, failure?: unknown): void;
}

/** Recent images (their PNGs and object URLs) are held in memory; beyond this many, the oldest are let go (the gallery keeps them). */
export const MAX_RECENT = 24;

function statusText(st: LoadStatus): string {
  if (st.status === "initiate") return "Loading model…";
  if (st.status === "progress") return st.applyingLora ? "Applying LoRA…" : `Loading ${st.file} (${st.index + 1}/${st.count})…`;
  return "Generating…";
}

function toImage(job: QueuedJob, r: ResultMessage): FinishedImage {
  const blob = new Blob([r.png as Uint8Array<ArrayBuffer>], { type: "image/png" });
  return {
    jobId: job.id,
    url: URL.createObjectURL(blob),
    blob,
    seed: r.seed,
    parameters: r.parameters,
    width: r.width,
    height: r.height,
    params: r.params,
    modelId: r.modelId,
    timings: r.timings,
    warnings: r.warnings,
  };
}

/** Errors that the backend choice (or the weights it runs) caused: shown beside that control too. */
const isBackendError = (err: unknown): err is WebGPUUnavailableError | ShaderF16UnsupportedError =>
  err instanceof WebGPUUnavailableError || err instanceof ShaderF16UnsupportedError;

function problemsFromError(err: unknown): FormProblem[] {
  if (err instanceof AppError && typeof err.data.field === "string") return [{ field: err.data.field as FormProblem["field"], message: err.message }];
  if (isBackendError(err)) return [{ field: "backend", message: err.message }];
  return [];
}

function named(err: unknown): { name: string; message: string } {
  return err instanceof Error ? { name: err.name, message: err.message } : { name: "Error", message: String(err) };
}

export const createQueueSlice =
  (deps: StoreDeps): SliceCreator<QueueSlice> =>
  (set, get) => {
    let running: RunningJob | undefined;
    const listeners = new Map<string, JobListener>();

    const notify = (id: string, event: JobEvent) => {
      try {
        listeners.get(id)?.(event);
      } catch (err) {
        // A listener's bug (the embed's, a test's) must not stall the queue.
        console.error("A job listener failed.", err);
      }
    };

    function finish(job: QueuedJob, event: JobEvent, patch: Partial<QueueSlice> & { formProblems?: FormProblem[] }) {
      notify(job.id, event);
      listeners.delete(job.id);
      running = undefined;
      set({ current: undefined, ...patch });
      startNext();
    }

    function startNext() {
      const s = get();
      if (s.current || s.queue.length === 0) return;
      const [job, ...rest] = s.queue;
      const total = s.tally.jobsDone + 1 + rest.length;
      set({
        current: job,
        queue: rest,
        phase: "loading",
        statusText: "Starting…",
        announcement: total > 1 ? `Started image ${s.tally.jobsDone + 1} of ${total}.` : "Started.",
        step: 0,
        jobSteps: plannedSteps(job),
        preview: undefined,
        pinned: false,
      });
      notify(job.id, { kind: "started" });
      const handle = deps.engine.generate(
        {
          ...modelTarget(s),
          params: job.params,
          previews: s.previews,
          init: job.edit?.init,
          tiling: job.tiling,
        },
        {
          onStatus: (st) => {
            const text = statusText(st);
            if (st.status === "done") get().showLoraWarnings(st.warnings ?? []);
            set(
              st.status === "done"
                ? { phase: "running", backend: st.backend, backendProblem: undefined, statusText: text }
                : { phase: "loading", statusText: text },
            );
            notify(job.id, { kind: "status", text });
          },
          onProgress: (p) => {
            const before = quarterReached(get().step, p.steps);
            const after = quarterReached(p.step, p.steps);
            // the end is announced with the result ("Done in …"), so only 25, 50 and 75 % are said here
            const announcement = after > before && after < 4 ? `${after * 25} % done.` : get().announcement;
            set({ phase: "running", step: p.step, jobSteps: p.steps, statusText: `Step ${p.step}/${p.steps}`, announcement });
            notify(job.id, { kind: "progress", step: p.step, steps: p.steps });
          },
          onPreview: (p) => {
            set({ preview: p });
            notify(job.id, { kind: "preview", step: p.step, image: p.image });
          },
          onRecovering: (text) => {
            // said aloud too: the notice is replaced by the retry's progress within moments
            set({ phase: "loading", step: 0, preview: undefined, statusText: text, announcement: text });
            notify(job.id, { kind: "status", text });
          },
        },
      );
      running = handle;
      handle.done.then(
        (result) => {
          const image = toImage(job, result);
          const images = [...get().images, image];
          for (const old of images.splice(0, Math.max(0, images.length - MAX_RECENT))) URL.revokeObjectURL(old.url);
          const { jobsDone, stepsDone } = get().tally;
          finish(
            job,
            { kind: "result", image },
            {
              images,
              selected: images.length - 1,
              tally: { jobsDone: jobsDone + 1, stepsDone: stepsDone + get().jobSteps },
              phase: "done",
              statusText: `Done in ${(result.timings.totalMs / 1000).toFixed(2)} s — seed ${result.seed}`,
              announcement: `Done in ${(result.timings.totalMs / 1000).toFixed(2)} s — seed ${result.seed}.`,
            },
          );
          void get().saveToGallery(image);
        },
        (err: unknown) => {
          if (err instanceof JobCancelledError) {
            finish(job, { kind: "cancelled" }, { phase: "cancelled", statusText: "Cancelled.", announcement: "Cancelled." });
            return;
          }
          const error = serializeError(err);
          const { modelId, file } = error.data ?? {};
          if (err instanceof DamagedModelFileError && typeof modelId === "string" && typeof file === "string") get().markDamaged(modelId, file);
          const backendFailed = isBackendError(err);
          finish(
            job,
            { kind: "error", error },
            {
              phase: "error",
              statusText: "",
              announcement: "",
              error: { name: error.name, message: error.message },
              formProblems: problemsFromError(err),
              ...(backendFailed ? { backend: undefined, backendProblem: { name: error.name, message: error.message } } : {}),
            },
          );
        },
      );
    }

    function dropWaiting(id: string) {
      set((s) => ({ queue: removeJob(s.queue, id) }));
      notify(id, { kind: "cancelled" });
      listeners.delete(id);
    }

    return {
      queue: [],
      tally: EMPTY_TALLY,
      phase: "idle",
      statusText: "",
      announcement: "",
      step: 0,
      jobSteps: 0,
      images: [],
      selected: 0,
      pinned: false,

      enqueue(jobs, listener) {
        const s = get();
        const idle = !s.current && s.queue.length === 0;
        if (listener) for (const job of jobs) listeners.set(job.id, listener);
        // A new run starts from an idle engine: its progress and errors start afresh.
        set({ queue: [...s.queue, ...jobs], ...(idle ? { tally: EMPTY_TALLY, error: undefined } : {}) });
        startNext();
        return jobs.map((j) => j.id);
      },
      moveJob: (id, offset) => set((s) => ({ queue: moveJob(s.queue, id, offset) })),
      cancelJob(id) {
        if (get().current?.id === id) {
          running?.cancel();
          return true;
        }
        if (!get().queue.some((j) => j.id === id)) return false;
        dropWaiting(id);
        return true;
      },
      cancel() {
        running?.cancel();
      },
      clearQueue() {
        for (const job of get().queue) dropWaiting(job.id);
      },
      select: (i) => set({ selected: i, pinned: true }),
      showLoadStatus(status, failure) {
        const s = get();
        // the badge shows what the worker reports, never a backend from an earlier load
        if (status?.status === "done") {
          set({ backend: status.backend, backendProblem: undefined });
          get().showLoraWarnings(status.warnings ?? []);
        } else if (status?.status === "initiate") set({ backend: undefined, backendProblem: undefined });
        else if (!status) set({ backend: undefined, backendProblem: failure === undefined ? undefined : named(failure) });
        if (s.current) {
          // the job's own "done" status follows and says it is generating
          if (s.phase === "loading" && status && status.status !== "done") set({ statusText: statusText(status) });
          return;
        }
        set({ statusText: !status ? "" : status.status === "done" ? "Model ready." : statusText(status) });
      },
      showError: (err) => set({ phase: "error", error: named(err) }),
    };
  };
