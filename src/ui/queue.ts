/**
 * The job queue as plain data and pure commands: the store calls these, and so do the tests beside them.
 * A job waits here until the engine is free; the engine only ever sees one job at a time, so reordering
 * and removing waiting jobs never needs the worker.
 */
import { MAX_SEED, type GenerateParams } from "../params";
import type { InitImageMessage, VaeTilingMessage } from "../protocol";
import { stepsToRun, type ImageMode } from "./editing";

/** An img2img, inpainting or outpainting job's source, kept with the job so later form changes do not touch it. */
export interface JobEdit {
  mode: ImageMode;
  sourceName: string;
  init: InitImageMessage;
}

/** One image waiting for, or getting, its turn on the engine. Its seed is always concrete, never −1. */
export interface QueuedJob {
  id: string;
  params: GenerateParams;
  /** Which image of a batch this is (1-based), so the queue can say "2 of 4". */
  batch?: { index: number; size: number };
  edit?: JobEdit;
  tiling?: VaeTilingMessage;
}

/** Steps a job is expected to run; the engine reports the exact count once the job runs. */
export function plannedSteps(job: QueuedJob): number {
  const { steps, denoisingStrength, sampler } = job.params;
  return job.edit && denoisingStrength !== undefined ? stepsToRun(steps, denoisingStrength, sampler) : steps;
}

/** What the current run (from the queue leaving idle until it drains) has finished so far. */
export interface RunTally {
  jobsDone: number;
  stepsDone: number;
}

export const EMPTY_TALLY: RunTally = { jobsDone: 0, stepsDone: 0 };

/** Most jobs that may wait at once: enough for any batch, few enough that a runaway host page cannot flood memory. */
export const QUEUE_LIMIT = 100;

/** A batch of `count` jobs with seeds `params.seed`, `params.seed + 1`, … as AUTOMATIC1111 numbers them. */
export function batchJobs(params: GenerateParams, count: number, newId: () => string): QueuedJob[] {
  // Compared this way round: seed + count would round to a representable double near 2^53.
  if (params.seed < 0 || params.seed > MAX_SEED - (count - 1)) {
    throw new RangeError(`A batch of ${count} needs seeds from 0 to ${MAX_SEED}, starting at ${params.seed}.`);
  }
  if (count === 1) return [{ id: newId(), params }];
  return Array.from({ length: count }, (_, i) => ({
    id: newId(),
    params: { ...params, seed: params.seed + i },
    batch: { index: i + 1, size: count },
  }));
}

/** Moves a waiting job `offset` places (negative: towards the front), stopping at either end. */
export function moveJob(queue: readonly QueuedJob[], id: string, offset: number): QueuedJob[] {
  const from = queue.findIndex((j) => j.id === id);
  if (from < 0) return [...queue];
  const to = Math.max(0, Math.min(queue.length - 1, from + offset));
  const out = [...queue];
  const [job] = out.splice(from, 1);
  out.splice(to, 0, job);
  return out;
}

export function removeJob(queue: readonly QueuedJob[], id: string): QueuedJob[] {
  return queue.filter((j) => j.id !== id);
}

export interface RunProgress {
  /** Steps finished across the whole run, including the running job's. */
  value: number;
  /** Steps of every job in the run: finished, running and waiting. */
  max: number;
  /** 1-based position of the running job in the run, and the run's size. */
  jobIndex: number;
  jobsTotal: number;
}

/**
 * Progress of the whole queue in steps, so one bar covers a batch of long and short jobs alike; `steps` is
 * the running job's count as the engine reported it.
 */
export function runProgress(
  tally: RunTally,
  current: { job: QueuedJob; step: number; steps?: number } | undefined,
  queue: readonly QueuedJob[],
): RunProgress {
  const waitingSteps = queue.reduce((sum, j) => sum + plannedSteps(j), 0);
  const currentSteps = current ? (current.steps ?? plannedSteps(current.job)) : 0;
  return {
    value: tally.stepsDone + (current ? Math.min(current.step, currentSteps) : 0),
    max: tally.stepsDone + currentSteps + waitingSteps,
    jobIndex: tally.jobsDone + (current ? 1 : 0),
    jobsTotal: tally.jobsDone + (current ? 1 : 0) + queue.length,
  };
}

/** A seed for "random seed", drawn here rather than in the worker so a queued job shows the seed it will use. */
export function drawSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}

/**
 * Which quarter of its steps a job has passed (0–4), so a screen reader hears "25 %", "50 %", "75 %" once
 * each instead of every step.
 */
export function quarterReached(step: number, steps: number): number {
  if (steps <= 0) return 0;
  return Math.min(4, Math.floor((Math.min(step, steps) * 4) / steps));
}
