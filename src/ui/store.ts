import { createStore } from "zustand/vanilla";
import type { EngineClient, RunningJob } from "../client/engineClient";
import { AppError, JobCancelledError } from "../errors";
import type { ModelManifest } from "../manifest";
import { SAMPLER_NAMES, validateParams, type GenerateParams, type ParamProblem } from "../params";
import type { BackendChoice, BackendMessage, ResultMessage, RgbaImageMessage } from "../protocol";

export interface ModelEntry {
  id: string;
  name: string;
  /** Folder URL holding model.json and the files it lists. */
  base: string;
}

export interface FinishedImage {
  url: string;
  blob: Blob;
  seed: number;
  parameters: string;
  width: number;
  height: number;
  timings: ResultMessage["timings"];
}

/** A problem shown under a form field; batch count is a form setting, not a generation parameter. */
export interface FormProblem {
  field: ParamProblem["field"] | "batchCount";
  message: string;
}

export type Phase = "idle" | "loading" | "running" | "done" | "error" | "cancelled";

export interface AppState {
  model: ModelEntry;
  manifest?: ModelManifest;
  params: GenerateParams;
  randomSeed: boolean;
  batchCount: number;
  backendChoice: BackendChoice;
  previews: boolean;
  formProblems: FormProblem[];
  phase: Phase;
  statusText: string;
  step: number;
  steps: number;
  /** Index (1-based) of the image being made in a batch, and the batch size. */
  batchIndex: number;
  batchTotal: number;
  preview?: { step: number; image: RgbaImageMessage };
  images: FinishedImage[];
  selected: number;
  backend?: BackendMessage;
  error?: { name: string; message: string };
}

export interface AppActions {
  setManifest(m: ModelManifest): void;
  setParam<K extends keyof GenerateParams>(key: K, value: GenerateParams[K]): void;
  setRandomSeed(on: boolean): void;
  setBatchCount(n: number): void;
  setBackendChoice(b: BackendChoice): void;
  setPreviews(on: boolean): void;
  select(i: number): void;
  generate(): Promise<void>;
  cancel(): void;
  showError(err: unknown): void;
}

export type AppStore = ReturnType<typeof createAppStore>;

const MAX_STEPS = 150;
export const MAX_BATCH = 16;

export const DEFAULT_PARAMS: GenerateParams = {
  prompt: "",
  negativePrompt: "",
  steps: 20,
  guidance: 4,
  seed: 42,
  width: 64,
  height: 64,
  sampler: "Euler",
};

export function problemsFor(state: Pick<AppState, "manifest" | "params" | "randomSeed" | "batchCount">): FormProblem[] {
  if (!state.manifest) return [];
  const params = state.randomSeed ? { ...state.params, seed: -1 } : state.params;
  const problems: FormProblem[] = validateParams(params, { sizes: state.manifest.sizes, samplers: SAMPLER_NAMES, maxSteps: MAX_STEPS });
  if (!Number.isInteger(state.batchCount) || state.batchCount < 1 || state.batchCount > MAX_BATCH) {
    problems.push({ field: "batchCount", message: `Batch count must be a whole number from 1 to ${MAX_BATCH}.` });
  }
  return problems;
}

/** One store for the app; actions are plain functions so the embed API and tests can call them too. */
export function createAppStore(engine: EngineClient, model: ModelEntry) {
  let running: RunningJob | undefined;
  let cancelled = false;

  return createStore<AppState & AppActions>()((set, get) => ({
    model,
    params: DEFAULT_PARAMS,
    randomSeed: false,
    batchCount: 1,
    backendChoice: "auto",
    previews: true,
    formProblems: [],
    phase: "idle",
    statusText: "",
    step: 0,
    steps: 0,
    batchIndex: 0,
    batchTotal: 0,
    images: [],
    selected: 0,

    setManifest: (m) =>
      set((s) => ({
        manifest: m,
        params: {
          ...s.params,
          steps: m.defaults.steps,
          guidance: m.defaults.guidance,
          width: m.defaults.width,
          height: m.defaults.height,
          sampler: m.defaults.sampler,
        },
      })),
    setParam: (key, value) => set((s) => ({ params: { ...s.params, [key]: value }, formProblems: [] })),
    setRandomSeed: (on) => set({ randomSeed: on, formProblems: [] }),
    setBatchCount: (n) => set({ batchCount: n, formProblems: [] }),
    setBackendChoice: (b) => set({ backendChoice: b }),
    setPreviews: (on) => set({ previews: on }),
    select: (i) => set({ selected: i }),
    showError: (err) =>
      set({
        phase: "error",
        error: err instanceof Error ? { name: err.name, message: err.message } : { name: "Error", message: String(err) },
      }),

    async generate() {
      const s = get();
      if (s.phase === "loading" || s.phase === "running") return;
      const problems = problemsFor(s);
      if (problems.length > 0 || !s.manifest) {
        set({ formProblems: problems });
        return;
      }
      cancelled = false;
      for (const img of s.images) URL.revokeObjectURL(img.url);
      set({
        images: [],
        selected: 0,
        error: undefined,
        preview: undefined,
        batchTotal: s.batchCount,
        phase: "loading",
        statusText: "Starting…",
      });
      let seed = s.randomSeed ? -1 : s.params.seed;
      for (let b = 0; b < s.batchCount && !cancelled; b++) {
        set({ batchIndex: b + 1, step: 0, steps: s.params.steps });
        running = engine.generate(
          {
            modelId: s.model.id,
            modelBase: s.model.base,
            backend: s.backendChoice,
            params: { ...s.params, seed },
            previews: s.previews,
          },
          {
            onStatus: (st) => {
              if (st.status === "initiate") set({ phase: "loading", statusText: "Loading model…" });
              else if (st.status === "progress") set({ statusText: `Loading ${st.file} (${st.index + 1}/${st.count})…` });
              else set({ phase: "running", backend: st.backend, statusText: "Generating…" });
            },
            onProgress: (p) => set({ phase: "running", step: p.step, steps: p.steps, statusText: `Step ${p.step}/${p.steps}` }),
            onPreview: (p) => set({ preview: p }),
          },
        );
        try {
          const r = await running.done;
          const blob = new Blob([r.png as Uint8Array<ArrayBuffer>], { type: "image/png" });
          const image: FinishedImage = {
            url: URL.createObjectURL(blob),
            blob,
            seed: r.seed,
            parameters: r.parameters,
            width: r.width,
            height: r.height,
            timings: r.timings,
          };
          set((st) => ({ images: [...st.images, image], selected: st.images.length }));
          // A1111's batch semantics: the next image uses the next seed
          seed = r.seed + 1;
        } catch (err) {
          running = undefined;
          if (err instanceof JobCancelledError) {
            set({ phase: "cancelled", statusText: "Cancelled." });
          } else {
            set({
              phase: "error",
              statusText: "",
              error: { name: err instanceof Error ? err.name : "Error", message: err instanceof Error ? err.message : String(err) },
              formProblems: err instanceof AppError && typeof err.data.field === "string" ? problemsFromError(err) : [],
            });
          }
          return;
        }
      }
      running = undefined;
      if (!cancelled) {
        const last = get().images.at(-1);
        set({ phase: "done", statusText: last ? `Done in ${(last.timings.totalMs / 1000).toFixed(2)} s — seed ${last.seed}` : "Done." });
      }
    },

    cancel() {
      cancelled = true;
      running?.cancel();
    },
  }));
}

function problemsFromError(err: AppError): FormProblem[] {
  return [{ field: err.data.field as FormProblem["field"], message: err.message }];
}
