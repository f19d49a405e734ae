import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ModelSource } from "../src/engine/loadModel";
import { diskSource } from "../src/engine/nodeRuntime";
import type { GenerateJob, ModelTarget, WorkerEvent } from "../src/protocol";
import { readGenerationInfo } from "../src/png/parameters";
import { countingRuntime, fakeDeps, settledEvent } from "./fakeDeps";
import { createHandler } from "./handler";

const folder = join(__dirname, "../public/models/tiny-shapes");
const xlFolder = join(__dirname, "../public/models/tiny-shapes-xl");

/** A job's last event; a preload's last event is its "done" status. */
const isEnd = (e: WorkerEvent) =>
  e.kind === "result" ||
  e.kind === "tokens" ||
  e.kind === "device" ||
  e.kind === "error" ||
  e.kind === "cancelled" ||
  (e.kind === "status" && e.status.status === "done" && e.id.startsWith("pre"));

function setup(openSource: (base: string) => ModelSource = diskSource) {
  const events: WorkerEvent[] = [];
  // count the sessions the handler creates and releases
  const { runtime, sessions } = countingRuntime();
  const handle = createHandler(
    fakeDeps(async () => runtime, { openSource }),
    (e) => events.push(e),
  );
  const settled = (id: string) => settledEvent(events, id, isEnd);
  return { events, handle, settled, sessions };
}

const job = (over: Partial<GenerateJob["params"]> = {}): GenerateJob => ({
  ...target(),
  previews: true,
  params: { prompt: "a red star", negativePrompt: "", steps: 3, guidance: 4, seed: 9, width: 64, height: 64, sampler: "Euler", ...over },
});

function target(over: Partial<ModelTarget> = {}): ModelTarget {
  return { modelId: "tiny-shapes", modelBase: folder, backend: "wasm", ...over };
}

/** Parts the built-in model's text-to-image needs: text encoder, U-Net, VAE decoder (the encoder loads on first img2img). */
const TXT2IMG_SESSIONS = 3;

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

  it("sends the engine's warnings with the result: a prompt past the built-in U-Net's 77 positions", async () => {
    const { handle, settled } = setup();
    handle({ kind: "generate", id: "w", job: job({ prompt: "a red star on a blue background ".repeat(14), steps: 1 }) });
    const end = await settled("w");
    expect(end.kind === "result" && end.result.warnings).toEqual([
      "The prompt has 98 tokens, but this model's U-Net has a fixed text length of 75 prompt tokens: the words after token 75 were left out.",
    ]);
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
    // the cancel is answered at once, without waiting for the job before it
    const order = events.filter((e) => e.kind === "result" || e.kind === "cancelled").map((e) => e.id);
    expect(order).toEqual(["2", "1", "3"]);
  });

  it("lets a running generation finish when its model is deleted, and releases the sessions after it", async () => {
    const { events, handle, settled, sessions } = setup();
    handle({ kind: "generate", id: "g", job: job({ steps: 8 }) });
    await new Promise<void>((resolve) => {
      const poll = () => (events.some((e) => e.id === "g" && e.kind === "progress") ? resolve() : setTimeout(poll, 5));
      poll();
    });
    handle({ kind: "deleteModel", id: "d", modelId: "tiny-shapes" });
    expect(sessions.released).toBe(0);
    expect((await settled("g")).kind).toBe("result");
    await expect.poll(() => sessions.released).toBe(TXT2IMG_SESSIONS);
  });

  it("reports that no storage is available when the browser gives none", async () => {
    const { handle, events } = setup();
    handle({ kind: "storage", id: "s" });
    await expect.poll(() => events.find((e) => e.id === "s")).toBeDefined();
    expect(events.find((e) => e.id === "s")).toMatchObject({ kind: "storage", report: { cache: false, models: [] } });
  });

  describe("preload", () => {
    it("creates the sessions once: a later generate reuses them", async () => {
      const { events, handle, settled, sessions } = setup();
      handle({ kind: "preload", id: "pre", target: target() });
      expect(await settled("pre")).toMatchObject({ status: { status: "done", modelId: "tiny-shapes", variant: "fp32", backend: { name: "cpu" } } });
      expect(sessions.created).toBe(TXT2IMG_SESSIONS);
      handle({ kind: "generate", id: "g", job: job() });
      expect((await settled("g")).kind).toBe("result");
      expect(sessions.created).toBe(TXT2IMG_SESSIONS);
      // the generate says it is ready at once: no loading of its own
      expect(events.filter((e) => e.id === "g" && e.kind === "status").map((e) => e.kind === "status" && e.status.status)).toEqual(["done"]);
    });

    it("makes a generate sent during the preload wait for it instead of loading a second time", async () => {
      const { events, handle, settled, sessions } = setup();
      handle({ kind: "preload", id: "pre", target: target() });
      handle({ kind: "generate", id: "g", job: job() });
      expect((await settled("g")).kind).toBe("result");
      expect(sessions.created).toBe(TXT2IMG_SESSIONS);
      const order = events.filter(isEnd).map((e) => e.id);
      expect(order).toEqual(["pre", "g"]);
    });

    it("reports a failed load on the preload, and again as the generate's own error", async () => {
      // a U-Net file that is an HTML page, as a misconfigured server would send
      const broken = (base: string): ModelSource => ({
        read: (path) => (path.startsWith("unet/") ? Promise.resolve(new TextEncoder().encode("<!doctype html>")) : diskSource(base).read(path)),
      });
      const { handle, settled, sessions } = setup(broken);
      handle({ kind: "preload", id: "pre", target: target() });
      handle({ kind: "generate", id: "g", job: job() });
      const pre = await settled("pre");
      const gen = await settled("g");
      for (const end of [pre, gen]) {
        expect(end.kind === "error" && end.error).toMatchObject({ name: "ModelLoadError", message: expect.stringContaining("unet/model.onnx") });
      }
      // what did load before the failure is let go
      expect(sessions.released).toBe(sessions.created);
    });

    it("releases the old model's sessions when another model is preloaded", async () => {
      const { handle, settled, sessions } = setup();
      handle({ kind: "preload", id: "pre-1", target: target() });
      await settled("pre-1");
      expect(sessions.released).toBe(0);
      handle({ kind: "preload", id: "pre-2", target: target({ modelId: "tiny-shapes-xl", modelBase: xlFolder }) });
      expect((await settled("pre-2")).kind).toBe("status");
      expect(sessions.released).toBe(TXT2IMG_SESSIONS);
      const created = sessions.created;
      handle({ kind: "generate", id: "g", job: { ...job(), modelId: "tiny-shapes-xl", modelBase: xlFolder } });
      expect((await settled("g")).kind).toBe("result");
      expect(sessions.created).toBe(created);
    });

    it("carries out only the newest of several preloads", async () => {
      const { handle, settled, sessions } = setup();
      handle({ kind: "preload", id: "pre-1", target: target() });
      handle({ kind: "preload", id: "pre-2", target: target({ modelId: "tiny-shapes-xl", modelBase: xlFolder }) });
      expect((await settled("pre-1")).kind).toBe("cancelled");
      expect(await settled("pre-2")).toMatchObject({ status: { status: "done", modelId: "tiny-shapes-xl" } });
      expect(sessions.released).toBe(0);
    });
  });

  it("tokenizes a prompt with the target model's tokenizer, without loading its sessions", async () => {
    const { handle, settled, sessions } = setup();
    handle({ kind: "tokenize", id: "t", target: target(), text: "a red horse" });
    const end = await settled("t");
    expect(end).toMatchObject({ kind: "tokens", report: { count: 3, limit: 75, unknownWords: ["horse"] } });
    expect(sessions.created).toBe(0);
  });

  it("answers what the device runs", async () => {
    const { handle, settled } = setup();
    handle({ kind: "device", id: "d" });
    expect(await settled("d")).toMatchObject({ kind: "device", report: { webgpu: false, shaderF16: false } });
  });
});
