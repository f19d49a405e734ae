/**
 * The measurement behind bench/engine.ts (Node) and bench/engineBench.worker.ts (browser), shared so
 * both sides time exactly the same thing: warm generations, wall time against time inside session.run,
 * split by model part.
 */
import type { Engine, EngineHooks } from "../src/engine/engine";
import type { ModelSession, Runtime } from "../src/engine/runtime";
import type { GenerateParams } from "../src/params";
import type { GenerateJob, ModelTarget } from "../src/protocol";

export interface EngineBenchOptions {
  steps: number;
  runs: number;
  /**
   * Generations keep running untimed for at least this long first. Chromium starts WASM on its
   * baseline compiler (Liftoff) and swaps in optimised code for hot functions in the background,
   * which takes seconds on a busy machine; timing before that measures the compiler, not the engine.
   */
  warmupMs: number;
  size: number;
  guidance: number;
  sampler: string;
}

/** The benches' options as command-line flags (Node's parseArgs), with their defaults; the browser page reads the same names from its query. */
export const benchArgs = {
  steps: { type: "string", default: "20" },
  runs: { type: "string", default: "5" },
  "warmup-s": { type: "string", default: "10" },
  threads: { type: "string", default: "1" },
  size: { type: "string", default: "64" },
  guidance: { type: "string", default: "4" },
  sampler: { type: "string", default: "Euler" },
} as const;

export function benchOptions(values: { [K in keyof typeof benchArgs]: string }): EngineBenchOptions {
  return {
    steps: Number(values.steps),
    runs: Number(values.runs),
    warmupMs: Number(values["warmup-s"]) * 1000,
    size: Number(values.size),
    guidance: Number(values.guidance),
    sampler: values.sampler,
  };
}

export interface PartTiming {
  /** session.run calls per generation (all text encoders count as one part). */
  calls: number;
  /** Mean time of one call, ms. */
  meanMs: number;
}

export interface EngineMeasurement extends EngineBenchOptions {
  /** Wall time of the first (cold) generation, which the means leave out: ORT plans its buffers there. */
  firstTotalMs: number;
  warmupGenerations: number;
  meanTotalMs: number;
  meanRunMs: number;
  /** Wall time ÷ time inside session.run: 1 means the engine costs nothing besides the model. */
  overheadRatio: number;
  perStepOverheadMs: number;
  stagesMs: { text: number; denoise: number; decode: number };
  parts: Record<"textEncoder" | "unet" | "vaeDecoder", PartTiming>;
}

type Part = keyof EngineMeasurement["parts"];
/** Calls and time inside session.run, per model part. */
export type PartClocks = Record<Part, { calls: number; ms: number }>;

/** Which part a session is, by the input only it has; undefined for parts not measured (the VAE encoder). */
function partOf(session: ModelSession): Part | undefined {
  const names = session.inputs.map((i) => i.name);
  if (names.includes("input_ids")) return "textEncoder";
  if (names.includes("timestep")) return "unet";
  if (names.includes("latent_sample")) return "vaeDecoder";
  return undefined;
}

/** Times every session created on `runtime` from now on, by part: call this before the engine loads its model. */
export function clockParts(runtime: Runtime): PartClocks {
  const clocks: PartClocks = { textEncoder: { calls: 0, ms: 0 }, unet: { calls: 0, ms: 0 }, vaeDecoder: { calls: 0, ms: 0 } };
  const create = runtime.createSession.bind(runtime);
  runtime.createSession = async (model, external) => {
    const session = await create(model, external);
    const part = partOf(session);
    return part ? timed(session, clocks[part]) : session;
  };
  return clocks;
}

function timed(session: ModelSession, acc: { calls: number; ms: number }): ModelSession {
  return {
    inputs: session.inputs,
    outputNames: session.outputNames,
    release: () => session.release(),
    run: async (feeds) => {
      const t0 = performance.now();
      try {
        return await session.run(feeds);
      } finally {
        acc.calls += 1;
        acc.ms += performance.now() - t0;
      }
    },
  };
}

const round = (v: number, digits = 2) => +v.toFixed(digits);

/**
 * Runs one cold generation of `target` through the engine, untimed ones for `warmupMs`, then `runs` timed ones, with
 * previews on. `acc`: the clocks of the engine's runtime (clockParts).
 */
export async function measureEngine(
  engine: Engine,
  target: ModelTarget,
  acc: PartClocks,
  opts: EngineBenchOptions,
  onPreview: NonNullable<EngineHooks["onPreview"]>,
  onProgress?: EngineHooks["onProgress"],
): Promise<EngineMeasurement> {
  const job = (seed: number): GenerateJob => ({ ...target, previews: true, params: params(seed) });
  const params = (seed: number): GenerateParams => ({
    prompt: "a red star on a blue background",
    negativePrompt: "",
    steps: opts.steps,
    guidance: opts.guidance,
    seed,
    width: opts.size,
    height: opts.size,
    sampler: opts.sampler,
  });
  const first = await engine.generate(job(1), { onPreview, onProgress });
  const warmupEnd = performance.now() + opts.warmupMs;
  let warmupGenerations = 0;
  while (performance.now() < warmupEnd) {
    await engine.generate(job(1), { onPreview, onProgress });
    warmupGenerations += 1;
  }
  for (const a of Object.values(acc)) Object.assign(a, { calls: 0, ms: 0 });
  let total = 0;
  let run = 0;
  const stages = { text: 0, denoise: 0, decode: 0 };
  for (let i = 0; i < opts.runs; i++) {
    const { timings } = await engine.generate(job(i + 2), { onPreview, onProgress });
    total += timings.totalMs;
    run += timings.runMs;
    stages.text += timings.textMs;
    stages.denoise += timings.denoiseMs;
    stages.decode += timings.decodeMs;
  }
  const n = opts.runs;
  const part = (p: Part): PartTiming => ({ calls: acc[p].calls / n, meanMs: round(acc[p].ms / Math.max(1, acc[p].calls), 3) });
  return {
    ...opts,
    firstTotalMs: round(first.timings.totalMs, 1),
    warmupGenerations,
    meanTotalMs: round(total / n),
    meanRunMs: round(run / n),
    overheadRatio: round(total / run, 4),
    perStepOverheadMs: round((total - run) / n / opts.steps, 3),
    stagesMs: { text: round(stages.text / n), denoise: round(stages.denoise / n), decode: round(stages.decode / n) },
    parts: { textEncoder: part("textEncoder"), unet: part("unet"), vaeDecoder: part("vaeDecoder") },
  };
}
