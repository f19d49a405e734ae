import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createNodeRuntime, diskSource } from "../src/engine/nodeRuntime";
import type { GenerateJob, WorkerEvent } from "../src/protocol";
import { readGenerationInfo } from "../src/png/parameters";
import { createHandler } from "./handler";

const folder = join(__dirname, "../public/models/tiny-shapes");

function setup() {
  const events: WorkerEvent[] = [];
  const runtime = createNodeRuntime();
  const handle = createHandler(
    { createRuntime: async () => runtime, openSource: () => diskSource(folder), cache: Promise.resolve(null) },
    (e) => events.push(e),
  );
  const settled = (id: string) =>
    new Promise<WorkerEvent>((resolve) => {
      const poll = () => {
        const end = events.find((e) => e.id === id && (e.kind === "result" || e.kind === "error" || e.kind === "cancelled"));
        if (end) resolve(end);
        else setTimeout(poll, 10);
      };
      poll();
    });
  return { events, handle, settled };
}

const job = (over: Partial<GenerateJob["params"]> = {}): GenerateJob => ({
  modelId: "tiny-shapes",
  modelBase: folder,
  backend: "wasm",
  previews: true,
  params: { prompt: "a red star", negativePrompt: "", steps: 3, guidance: 4, seed: 9, width: 64, height: 64, sampler: "Euler", ...over },
});

describe("worker handler", () => {
  it("answers a generate request with status, progress, previews and a PNG carrying its parameters", async () => {
    const { events, handle, settled } = setup();
    handle({ kind: "generate", id: "a", job: job() });
    const end = await settled("a");
    expect(end.kind).toBe("result");
    const kinds = events.filter((e) => e.id === "a").map((e) => e.kind);
    expect(kinds.filter((k) => k === "progress")).toHaveLength(3);
    expect(kinds.filter((k) => k === "preview")).toHaveLength(3);
    expect(kinds[0]).toBe("status");
    if (end.kind !== "result") return;
    const info = readGenerationInfo(end.result.png);
    expect(info).toMatchObject({ prompt: "a red star", seed: 9, steps: 3, sampler: "Euler", width: 64, height: 64, model: "tiny-shapes" });
  });

  it("draws a random seed for −1 and reports it", async () => {
    const { handle, settled } = setup();
    handle({ kind: "generate", id: "r", job: job({ seed: -1 }) });
    const end = await settled("r");
    expect(end.kind === "result" && end.result.seed >= 0).toBe(true);
  });

  it("refuses bad settings with a named error that says which field", async () => {
    const { handle, settled } = setup();
    handle({ kind: "generate", id: "bad", job: job({ width: 100 }) });
    const end = await settled("bad");
    expect(end.kind === "error" && end.error).toMatchObject({ name: "InvalidParamsError", data: { field: "width" } });
  });

  it("runs jobs in order and drops a queued job that is cancelled", async () => {
    const { events, handle, settled } = setup();
    handle({ kind: "generate", id: "1", job: job() });
    handle({ kind: "generate", id: "2", job: job() });
    handle({ kind: "generate", id: "3", job: job() });
    handle({ kind: "cancel", id: "2" });
    expect((await settled("1")).kind).toBe("result");
    expect((await settled("2")).kind).toBe("cancelled");
    expect((await settled("3")).kind).toBe("result");
    const order = events.filter((e) => e.kind === "result" || e.kind === "cancelled").map((e) => e.id);
    expect(order).toEqual(["1", "2", "3"]);
  });

  it("reports that no storage is available when the browser gives none", async () => {
    const { handle, events } = setup();
    handle({ kind: "storage", id: "s" });
    await expect.poll(() => events.find((e) => e.id === "s")).toBeDefined();
    expect(events.find((e) => e.id === "s")).toMatchObject({ kind: "storage", report: { cache: false, models: [] } });
  });
});
