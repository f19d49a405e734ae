/** For tests: an engine client that runs nothing until the test says how each job ends, and the built-in model's manifest. */
import { readFileSync } from "node:fs";
import type { EngineClient, JobHandlers, ModelLoaded } from "../client/engineClient";
import { JobCancelledError } from "../errors";
import { parseManifestJson, type ModelManifest } from "../manifest";
import type { GenerateJob, ModelTarget, ResultMessage } from "../protocol";

export const tinyManifest = (): ModelManifest =>
  parseManifestJson(readFileSync(new URL("../../public/models/tiny-shapes/model.json", import.meta.url), "utf8"));

/** Lets promise callbacks (a job's end, the next job's start) run. */
export const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/** Waits (up to a second) for a condition that asynchronous work will make true. */
export async function until(ready: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ready(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!ready()) throw new Error("timed out waiting for a condition");
}

export interface FakeJob {
  job: GenerateJob;
  handlers: JobHandlers;
  cancelled: boolean;
  finish(): void;
  fail(err: Error): void;
}

/** A preload's ending, in the test's hands. */
export interface FakePreload {
  finish(status: ModelLoaded): void;
  fail(err: Error): void;
}

export function fakeEngine(): { engine: EngineClient; started: FakeJob[]; preloads: ModelTarget[]; preloadEnds: FakePreload[] } {
  const started: FakeJob[] = [];
  const preloads: ModelTarget[] = [];
  const preloadEnds: FakePreload[] = [];
  const engine: EngineClient = {
    preload(target) {
      preloads.push(target);
      const done = new Promise<ModelLoaded>((finish, fail) => preloadEnds.push({ finish, fail }));
      return { id: `p${preloads.length}`, done, cancel: () => undefined };
    },
    generate(job, handlers = {}) {
      let resolve!: (r: ResultMessage) => void;
      let reject!: (e: Error) => void;
      const done = new Promise<ResultMessage>((res, rej) => ((resolve = res), (reject = rej)));
      const entry = {
        job,
        handlers,
        cancelled: false,
        finish: () => resolve(result(job)),
        fail: (err: Error) => reject(err),
      };
      started.push(entry);
      return { id: `w${started.length}`, done, cancel: () => ((entry.cancelled = true), reject(new JobCancelledError())) };
    },
    download: () => ({ id: "d", done: Promise.resolve(), cancel: () => undefined }),
    deleteModel: () => Promise.resolve(),
    storage: () => Promise.resolve({ cache: true, models: [] }),
    device: () => Promise.resolve({ webgpu: false, shaderF16: false, reason: "no GPU adapter is available" }),
    tokenize: (_target, text) => Promise.resolve({ count: text.split(/\s+/).filter(Boolean).length, limit: 75, unknownWords: [] }),
    loras: () => Promise.resolve([]),
  };
  return { engine, started, preloads, preloadEnds };
}

function result(job: GenerateJob): ResultMessage {
  const { params } = job;
  return {
    png: Uint8Array.of(137, 80, 78, 71),
    width: params.width,
    height: params.height,
    seed: params.seed,
    parameters: `${params.prompt}\nSteps: ${params.steps}, Seed: ${params.seed}`,
    params,
    modelId: job.modelId,
    timings: { totalMs: 10, textMs: 1, denoiseMs: 8, decodeMs: 1, runMs: 10, loadMs: 0 },
    warnings: [],
  };
}
