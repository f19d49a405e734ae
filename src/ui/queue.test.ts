import { describe, expect, it } from "vitest";
import { MAX_SEED, type GenerateParams } from "../params";
import { batchJobs, EMPTY_TALLY, moveJob, quarterReached, removeJob, runProgress, type QueuedJob } from "./queue";

const params: GenerateParams = { prompt: "p", negativePrompt: "", steps: 4, guidance: 4, seed: 100, width: 64, height: 64, sampler: "Euler" };
const ids = () => {
  let n = 0;
  return () => `j${++n}`;
};
const job = (id: string, steps = 4): QueuedJob => ({ id, params: { ...params, steps } });
const order = (q: readonly QueuedJob[]) => q.map((j) => j.id);

describe("batchJobs", () => {
  it("numbers seeds up from the start seed, as A1111 does", () => {
    const jobs = batchJobs(params, 4, ids());
    expect(jobs.map((j) => j.params.seed)).toEqual([100, 101, 102, 103]);
    expect(jobs.map((j) => j.batch)).toEqual([1, 2, 3, 4].map((index) => ({ index, size: 4 })));
    expect(new Set(order(jobs)).size).toBe(4);
  });

  it("makes a plain job for a batch of one", () => {
    expect(batchJobs(params, 1, ids())).toEqual([{ id: "j1", params }]);
  });

  it("refuses seeds that would run past the largest seed", () => {
    expect(() => batchJobs({ ...params, seed: MAX_SEED }, 2, ids())).toThrow(RangeError);
    expect(() => batchJobs({ ...params, seed: -1 }, 2, ids())).toThrow(RangeError);
  });
});

describe("moveJob and removeJob", () => {
  const q = [job("a"), job("b"), job("c"), job("d")];

  it("moves a job up or down, stopping at the ends", () => {
    expect(order(moveJob(q, "c", -1))).toEqual(["a", "c", "b", "d"]);
    expect(order(moveJob(q, "b", 1))).toEqual(["a", "c", "b", "d"]);
    expect(order(moveJob(q, "a", -1))).toEqual(["a", "b", "c", "d"]);
    expect(order(moveJob(q, "c", 10))).toEqual(["a", "b", "d", "c"]);
  });

  it("leaves the queue alone for an unknown id and never mutates its input", () => {
    expect(order(moveJob(q, "zz", 1))).toEqual(["a", "b", "c", "d"]);
    expect(order(removeJob(q, "b"))).toEqual(["a", "c", "d"]);
    expect(order(q)).toEqual(["a", "b", "c", "d"]);
  });
});

describe("runProgress", () => {
  it("counts steps across finished, running and waiting jobs", () => {
    const p = runProgress({ jobsDone: 2, stepsDone: 8 }, { job: job("c", 10), step: 3 }, [job("d", 2), job("e", 2)]);
    expect(p).toEqual({ value: 11, max: 22, jobIndex: 3, jobsTotal: 5 });
  });

  it("is full when the run is over and empty before it starts", () => {
    expect(runProgress({ jobsDone: 1, stepsDone: 8 }, undefined, [])).toEqual({ value: 8, max: 8, jobIndex: 1, jobsTotal: 1 });
    expect(runProgress(EMPTY_TALLY, undefined, [])).toEqual({ value: 0, max: 0, jobIndex: 0, jobsTotal: 0 });
  });
});

describe("quarterReached", () => {
  it("counts whole quarters of the steps, clamped to 0–4", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((step) => quarterReached(step, 8))).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    expect([1, 2, 3].map((step) => quarterReached(step, 3))).toEqual([1, 2, 4]);
    expect(quarterReached(0, 0)).toBe(0);
  });
});
