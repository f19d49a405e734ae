/** For the worker's tests: its dependencies as Node gives them (onnxruntime-node, the disk), without a GPU or storage. */
import { createNodeRuntime, diskSource } from "../src/engine/nodeRuntime";
import type { Runtime } from "../src/engine/runtime";
import type { DeviceReport, WorkerEvent } from "../src/protocol";
import type { HandlerDeps } from "./handler";

/** What a device without WebGPU reports. */
export const noGpu = async (): Promise<DeviceReport> => ({ webgpu: false, shaderF16: false, reason: "no GPU adapter is available" });

/** The handler's dependencies: the runtime the test gives, models read from disk, no weight cache, no GPU; `over` replaces any. */
export function fakeDeps(createRuntime: HandlerDeps["createRuntime"], over: Partial<Omit<HandlerDeps, "createRuntime">> = {}): HandlerDeps {
  return { createRuntime, openSource: diskSource, cache: Promise.resolve(null), probeDevice: noGpu, ...over };
}

/** A Node runtime that counts the sessions created on it and released. */
export function countingRuntime(): { runtime: Runtime; sessions: { created: number; released: number } } {
  const runtime = createNodeRuntime();
  const sessions = { created: 0, released: 0 };
  const create = runtime.createSession.bind(runtime);
  runtime.createSession = async (model, external) => {
    const session = await create(model, external);
    sessions.created += 1;
    return { ...session, release: () => ((sessions.released += 1), session.release()) };
  };
  return { runtime, sessions };
}

/** Whether an event ends a job: its result, its error or its cancellation. */
export const endsJob = (e: WorkerEvent): boolean => e.kind === "result" || e.kind === "error" || e.kind === "cancelled";

/** The first event for request `id` that `isEnd` accepts, polled for: the handler posts events and has nothing else to wait on. */
export function settledEvent(events: WorkerEvent[], id: string, isEnd: (e: WorkerEvent) => boolean = endsJob): Promise<WorkerEvent> {
  return new Promise((resolve) => {
    const poll = () => {
      const end = events.find((e) => e.id === id && isEnd(e));
      if (end) resolve(end);
      else setTimeout(poll, 5);
    };
    poll();
  });
}
