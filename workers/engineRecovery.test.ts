import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GPUDeviceLostError } from "../src/errors";
import { createNodeRuntime } from "../src/engine/nodeRuntime";
import type { Runtime } from "../src/engine/runtime";
import type { GenerateJob, WorkerEvent } from "../src/protocol";
import { fakeDeps, settledEvent } from "./fakeDeps";
import { createHandler } from "./handler";

const folder = join(__dirname, "../public/models/tiny-shapes");
const job: GenerateJob = {
  modelId: "tiny-shapes",
  modelBase: folder,
  backend: "wasm",
  previews: false,
  params: { prompt: "a red star", negativePrompt: "", steps: 2, guidance: 4, seed: 9, width: 64, height: 64, sampler: "Euler" },
};

function setup(prepare: (runtime: Runtime, index: number) => void) {
  const events: WorkerEvent[] = [];
  const runtimes: Runtime[] = [];
  const createRuntime = async () => {
    const runtime = createNodeRuntime();
    prepare(runtime, runtimes.length);
    runtimes.push(runtime);
    return runtime;
  };
  const handle = createHandler(fakeDeps(createRuntime), (e) => events.push(e));
  const settled = (id: string) => settledEvent(events, id);
  return { handle, settled, runtimes };
}

describe("worker handler after a broken runtime", () => {
  it("fails the job with GPUDeviceLostError when the device goes mid-generation, and runs the next job on a new runtime", async () => {
    const { handle, settled, runtimes } = setup((runtime, index) => {
      if (index > 0) return;
      // the first runtime loses its device during the first U-Net step, as device.lost would report it
      const create = runtime.createSession.bind(runtime);
      runtime.createSession = async (model, external) => {
        const session = await create(model, external);
        if (!session.inputs.some((i) => i.name === "timestep")) return session;
        return {
          ...session,
          run: (feeds) => (runtime.markBroken(new GPUDeviceLostError("The GPU was reset (test). Retrying on a new device.")), session.run(feeds)),
        };
      };
    });
    handle({ kind: "generate", id: "lost", job });
    const lost = await settled("lost");
    expect(lost.kind === "error" && lost.error).toMatchObject({ name: "GPUDeviceLostError", message: expect.stringMatching(/GPU was reset/) });
    handle({ kind: "generate", id: "next", job });
    expect((await settled("next")).kind).toBe("result");
    expect(runtimes).toHaveLength(2);
  });

  it("answers a cancel of a queued job at once, while the job before it is stuck", async () => {
    let unblock: (() => void) | undefined;
    const { handle, settled } = setup((runtime) => {
      const create = runtime.createSession.bind(runtime);
      runtime.createSession = async (model, external) => {
        const session = await create(model, external);
        return { ...session, run: async (feeds) => (await new Promise<void>((r) => (unblock = r)), session.run(feeds)) };
      };
    });
    handle({ kind: "generate", id: "stuck", job });
    handle({ kind: "generate", id: "queued", job });
    // the first job is running, held inside a session's run
    await expect.poll(() => unblock).toBeDefined();
    const t0 = performance.now();
    handle({ kind: "cancel", id: "queued" });
    expect((await settled("queued")).kind).toBe("cancelled");
    expect(performance.now() - t0).toBeLessThan(100);
    handle({ kind: "cancel", id: "stuck" });
    unblock?.();
    expect((await settled("stuck")).kind).toBe("cancelled");
  });
});
