import type { ModelManifest } from "../manifest";
import { limitsFor, MAX_SEED, RANDOM_SEED, tilingProblem, validateParams, type GenerateParams, type ParamProblem } from "../params";
import type { BackendChoice, PromptTokens } from "../protocol";
import { editedJob, type EditProblem } from "./editing";
import { modelTarget } from "./preload";
import { batchJobs, drawSeed, QUEUE_LIMIT } from "./queue";
import type { ModelEntry, SliceCreator, StoreDeps } from "./store";

/** A problem shown under a form field; batch count and the editing controls are form settings, not generation parameters. */
export interface FormProblem {
  field: ParamProblem["field"] | "batchCount" | "backend" | EditProblem["field"];
  message: string;
}

export interface FormSlice {
  model: ModelEntry;
  manifest?: ModelManifest;
  /** The model whose defaults the settings were last set from; its manifest, loaded again, leaves them as they are. */
  paramsModelId?: string;
  /** The form's settings; a seed of −1 means a random one for each Generate (A1111's convention). */
  params: GenerateParams;
  batchCount: number;
  backendChoice: BackendChoice;
  /** The model variant (precision) to run; undefined lets the worker pick the first one this device runs. */
  variant?: string;
  previews: boolean;
  formProblems: FormProblem[];
  setManifest(m: ModelManifest): void;
  setVariant(id: string | undefined): void;
  setParam<K extends keyof GenerateParams>(key: K, value: GenerateParams[K]): void;
  /** Fills the form from saved settings (gallery, a dropped PNG, the embed URL). */
  applySettings(settings: Partial<GenerateParams>): void;
  setBatchCount(n: number): void;
  setBackendChoice(b: BackendChoice): void;
  setPreviews(on: boolean): void;
  /** How the selected model's tokenizer reads `text` (the worker answers); undefined when it cannot tell yet. */
  inspectPrompt(text: string): Promise<PromptTokens | undefined>;
  /** Queues the form's settings (a batch of `batchCount` seeds); returns the new jobs' ids, none when the form has problems. */
  generate(): string[];
}

export const MAX_BATCH = 16;

export const DEFAULT_PARAMS: GenerateParams = {
  prompt: "",
  negativePrompt: "",
  steps: 20,
  guidance: 4,
  seed: RANDOM_SEED,
  width: 64,
  height: 64,
  sampler: "Euler",
};

export function problemsFor(state: Pick<FormSlice, "manifest" | "params" | "batchCount">): FormProblem[] {
  if (!state.manifest) return [];
  const { params } = state;
  const problems: FormProblem[] = validateParams(params, limitsFor(state.manifest));
  if (!Number.isInteger(state.batchCount) || state.batchCount < 1 || state.batchCount > MAX_BATCH) {
    problems.push({ field: "batchCount", message: `Batch count must be a whole number from 1 to ${MAX_BATCH}.` });
  } else if (params.seed !== RANDOM_SEED && problems.length === 0 && params.seed > MAX_SEED - (state.batchCount - 1)) {
    problems.push({
      field: "seed",
      message: `A batch of ${state.batchCount} counts seeds up from this one; start at ${MAX_SEED - state.batchCount + 1} or lower.`,
    });
  }
  return problems;
}

let jobCounter = 0;
/** Job ids only need to be unique within this page. */
export const newJobId = (): string => `q${Date.now().toString(36)}-${(jobCounter++).toString(36)}`;

export const createFormSlice =
  (deps: StoreDeps): SliceCreator<FormSlice> =>
  (set, get) => ({
    model: deps.model,
    params: DEFAULT_PARAMS,
    batchCount: 1,
    backendChoice: "auto",
    previews: true,
    formProblems: [],

    setManifest: (m) =>
      // the same model again (after a reload) keeps the user's settings; another model starts from its defaults
      set((s) =>
        s.paramsModelId === m.id
          ? { manifest: m }
          : {
              manifest: m,
              paramsModelId: m.id,
              variant: undefined,
              params: {
                ...s.params,
                steps: m.defaults.steps,
                guidance: m.defaults.guidance,
                width: m.defaults.width,
                height: m.defaults.height,
                sampler: m.defaults.sampler,
              },
            },
      ),
    setParam: (key, value) => set((s) => ({ params: { ...s.params, [key]: value }, formProblems: [] })),
    applySettings: (settings) =>
      set((s) => {
        const params = { ...s.params, ...settings };
        // Settings from elsewhere may not fit this model (a 1024×1024 A1111 image): say so at once.
        return { params, formProblems: problemsFor({ ...s, params }) };
      }),
    setBatchCount: (n) => set({ batchCount: n, formProblems: [] }),
    setBackendChoice: (b) => set((s) => ({ backendChoice: b, formProblems: s.formProblems.filter((p) => p.field !== "backend") })),
    setVariant: (id) => set({ variant: id }),
    setPreviews: (on) => set({ previews: on }),
    // a model not stored yet has no tokenizer to ask: the help stays quiet rather than guess
    inspectPrompt: (text) => deps.engine.tokenize(modelTarget(get()), text, get().params.promptSyntax).catch(() => undefined),

    generate() {
      const s = get();
      if (!s.manifest) return [];
      const edited = editedJob(s, s.params, s.manifest.sizes);
      const tiling = tilingProblem(s.tiling);
      // an outpainted size is derived from the margins, whose own message says what to change
      const derivedSize = s.mode === "outpaint" && edited.problems.some((p) => p.field === "outpaint");
      const problems = [
        ...problemsFor({ ...s, params: edited.params }).filter((p) => !(derivedSize && (p.field === "width" || p.field === "height"))),
        ...edited.problems,
        ...(tiling ? [tiling] : []),
      ];
      if (problems.length > 0) {
        set({ formProblems: problems });
        return [];
      }
      if (s.queue.length + s.batchCount > QUEUE_LIMIT) {
        set({
          formProblems: [{ field: "batchCount", message: `The queue holds at most ${QUEUE_LIMIT} jobs; wait for some to finish or remove some.` }],
        });
        return [];
      }
      // a random batch draws its start once and counts up from it, so each image can be made again alone
      const params = { ...edited.params, seed: s.params.seed === RANDOM_SEED ? drawSeed() : s.params.seed };
      const edit = s.mode !== "txt2img" && edited.init && s.source ? { mode: s.mode, sourceName: s.source.name, init: edited.init } : undefined;
      const jobs = batchJobs(params, s.batchCount, newJobId).map((job) => ({ ...job, edit, tiling: s.tiling }));
      return get().enqueue(jobs);
    },
  });
