import { afterEach, describe, expect, it, vi } from "vitest";
import { ERROR_CLASSES } from "../errorRegistry";
import { AppError, JobCancelledError, serializeError, GPUDeviceLostError, EngineStalledError } from "../errors";
import type { GenerateJob, ResultMessage, WorkerEvent, WorkerRequest } from "../protocol";
import { createEngineClient, type EngineWorker } from "./engineClient";

/** A worker that records what it is sent; the test answers for it. */
class FakeWorker implements EngineWorker {
  readonly received: WorkerRequest[] = [];
  terminated = false;
  private listener?: (e: MessageEvent<WorkerEvent>) => void;
  postMessage(message: WorkerRequest) {
    this.received.push(message);
  }
  addEventListener(_: "message", listener: (e: MessageEvent<WorkerEvent>) => void) {
    this.listener = listener;
  }
  terminate() {
    this.terminated = true;
  }
  emit(event: WorkerEvent) {
    this.listener?.(new MessageEvent("message", { data: event }));
  }
}

function setup(minCancelGraceMs = 50) {
  const workers: FakeWorker[] = [];
  const client = createEngineClient(
    () => {
      const w = new FakeWorker();
      workers.push(w);
      return w;
    },
    { minCancelGraceMs },
  );
  return { client, workers, last: () => workers[workers.length - 1] };
}

const job = (backend: GenerateJob["backend"] = "auto"): GenerateJob => ({
  modelId: "tiny-shapes",
  modelBase: "/models/tiny-shapes",
  backend,
  previews: false,
  params: { prompt: "a star", negativePrompt: "", steps: 2, guidance: 4, seed: 1, width: 64, height: 64, sampler: "Euler" },
});
const result = { png: new Uint8Array(1), seed: 1 } as Pick<ResultMessage, "png" | "seed">;
const lost = serializeError(new GPUDeviceLostError("The GPU was reset (test). Retrying on a new device."));

describe("engine client recovery", () => {
  it("replaces the worker after a lost GPU device and runs the job again there, telling the caller why", async () => {
    const { client, workers, last } = setup();
    const notices: string[] = [];
    const running = client.generate(job(), { onRecovering: (m) => notices.push(m) });
    const preload = client.preload(job());
    workers[0].emit({ kind: "error", id: running.id, error: lost });
    expect(workers).toHaveLength(2);
    expect(workers[0].terminated).toBe(true);
    // every open request goes to the new worker, the failed job first, with the same ids
    expect(last().received.map((r) => [r.kind, r.id])).toEqual([
      ["generate", running.id],
      ["preload", preload.id],
    ]);
    expect(notices).toEqual(["The GPU was reset (test). Retrying on a new device."]);
    // the old worker is gone: nothing it says reaches the caller
    workers[0].emit({ kind: "result", id: running.id, result: { ...result, seed: 99 } as ResultMessage });
    last().emit({ kind: "result", id: running.id, result: result as ResultMessage });
    await expect(running.done).resolves.toMatchObject({ seed: 1 });
  });

  it("falls back to WASM when the GPU is lost again on the new device, and says so", async () => {
    const { client, workers, last } = setup();
    const notices: string[] = [];
    const running = client.generate(job(), { onRecovering: (m) => notices.push(m) });
    workers[0].emit({ kind: "error", id: running.id, error: lost });
    workers[1].emit({ kind: "error", id: running.id, error: lost });
    expect(workers).toHaveLength(3);
    const retried = last().received[0];
    expect(retried.kind === "generate" && retried.job.backend).toBe("wasm");
    expect(notices[1]).toMatch(/WebGPU did not come back.*WASM/);
    last().emit({ kind: "result", id: running.id, result: result as ResultMessage });
    await running.done;
    // later "auto" jobs go straight to WASM
    const later = client.generate(job());
    const sent = last().received.find((r) => r.id === later.id);
    expect(sent?.kind === "generate" && sent.job.backend).toBe("wasm");
  });

  it("gives up with the error after the WASM retry fails too", async () => {
    const { client, workers } = setup();
    const running = client.generate(job("wasm"));
    const stalled = serializeError(new EngineStalledError("The engine stopped answering."));
    workers[0].emit({ kind: "error", id: running.id, error: stalled });
    workers[1].emit({ kind: "error", id: running.id, error: stalled });
    await expect(running.done).rejects.toBeInstanceOf(EngineStalledError);
    // the broken worker is replaced for the jobs after it
    expect(workers).toHaveLength(3);
  });

  it("ends a cancelled generation whose worker does not answer by replacing the worker, keeping the other requests", async () => {
    const { client, workers, last } = setup(50);
    const running = client.generate(job());
    const download = client.download("sd-turbo", "https://hub");
    running.cancel();
    expect(workers[0].received.at(-1)).toEqual({ kind: "cancel", id: running.id });
    const t0 = performance.now();
    await expect(running.done).rejects.toBeInstanceOf(JobCancelledError);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(workers[0].terminated).toBe(true);
    expect(last().received.map((r) => [r.kind, r.id])).toEqual([["download", download.id]]);
  });

  describe("with the clock in the test's hands", () => {
    afterEach(() => void vi.useRealTimers());

    it("waits two steps' time before replacing the worker of a slow generation", async () => {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
      const { client, workers } = setup(10);
      const running = client.generate(job());
      workers[0].emit({ kind: "progress", id: running.id, step: 1, steps: 9, elapsedMs: 0 });
      vi.advanceTimersByTime(100);
      workers[0].emit({ kind: "progress", id: running.id, step: 2, steps: 9, elapsedMs: 100 });
      running.cancel();
      vi.advanceTimersByTime(199);
      // the worker answers within two steps: no replacement, then or later
      workers[0].emit({ kind: "cancelled", id: running.id });
      await expect(running.done).rejects.toBeInstanceOf(JobCancelledError);
      vi.advanceTimersByTime(1000);
      expect(workers).toHaveLength(1);
    });
  });
});

describe("engine client errors", () => {
  it("hands the caller every registered error as its own class, with its message and data, as the worker sent it", async () => {
    const { client, last } = setup();
    for (const [name, ErrorClass] of Object.entries(ERROR_CLASSES)) {
      const thrown = new ErrorClass(`${name} thrown in the worker`, { file: "unet/model.onnx", status: 403, resumable: false });
      const asked = client.storage();
      const request = last().received.at(-1);
      // postMessage copies with the structured clone algorithm: nothing but plain data gets across
      last().emit({ kind: "error", id: request?.id ?? "", error: structuredClone(serializeError(thrown)) });
      const received = await asked.then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(received, name).toBeInstanceOf(ErrorClass);
      expect(received).toMatchObject({ name, message: thrown.message });
      if (thrown instanceof AppError) expect((received as AppError).data).toEqual({ file: "unet/model.onnx", status: 403, resumable: false });
    }
  });

  it("keeps the name of an error it has no class for", async () => {
    const { client, last } = setup();
    const asked = client.storage();
    last().emit({ kind: "error", id: last().received[0].id, error: serializeError(new RangeError("no such variant")) });
    await expect(asked).rejects.toMatchObject({ name: "RangeError", message: "no such variant" });
  });
});
