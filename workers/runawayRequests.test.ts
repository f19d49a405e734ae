import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { GenerateJob, InitImageMessage, WorkerEvent } from "../src/protocol";
import { countingRuntime, fakeDeps, settledEvent } from "./fakeDeps";
import { createHandler } from "./handler";

const folder = join(__dirname, "../public/models/tiny-shapes");

const params: GenerateJob["params"] = {
  prompt: "a red star",
  negativePrompt: "",
  steps: 3,
  guidance: 4,
  seed: 9,
  width: 64,
  height: 64,
  sampler: "Euler",
};
const source = (width = 64, height = 64): InitImageMessage => ({ image: { width, height, data: new Uint8Array(width * height * 4) }, fit: "crop" });

/** A request as anything could post it (the embed API, a future client): the protocol's shape, any values. */
type Runaway = { params?: Record<string, unknown>; init?: Record<string, unknown>; tiling?: Record<string, unknown> };

const CASES: [string, Runaway, string][] = [
  ["a NUL character in the prompt", { params: { prompt: "a red\u0000 star" } }, "prompt"],
  ["an escape character in the negative prompt", { params: { negativePrompt: "blur\u001b[2J" } }, "negativePrompt"],
  ["a prompt that is not text", { params: { prompt: undefined } }, "prompt"],
  ["a billion steps", { params: { steps: 1e9 } }, "steps"],
  ["NaN guidance", { params: { guidance: Number.NaN } }, "guidance"],
  ["a seed past 2^53", { params: { seed: 2 ** 60 } }, "seed"],
  ["a width of a million", { params: { width: 1_000_000 } }, "width"],
  ["a negative height", { params: { height: -64 } }, "height"],
  ["a strength of 5", { params: { denoisingStrength: 5 }, init: { ...source() } }, "denoisingStrength"],
  ["a sampler that is a number", { params: { sampler: 7 } }, "sampler"],
  [
    "a mask blur of a million",
    { params: { denoisingStrength: 0.5 }, init: { ...source(), mask: new Uint8Array(64 * 64).fill(255), maskBlur: 1e6 } },
    "maskBlur",
  ],
  ["a fractional mask blur", { init: { ...source(), mask: new Uint8Array(64 * 64), maskBlur: 2.5 } }, "maskBlur"],
  ["outpaint margins of 20,000", { init: { ...source(), outpaint: { left: 20_000, right: 20_000, top: 0, bottom: 0 } } }, "outpaint"],
  ["margins wider than the image", { init: { ...source(), outpaint: { left: 32, right: 32, top: 0, bottom: 0 } } }, "outpaint"],
  ["negative margins", { init: { ...source(), outpaint: { left: -8, right: 0, top: 0, bottom: 0 } } }, "outpaint"],
  ["a source claiming a million pixels a side", { init: { image: { width: 1e6, height: 1e6, data: new Uint8Array(16) }, fit: "crop" } }, "source"],
  ["a source whose pixels do not match its size", { init: { image: { width: 64, height: 64, data: new Uint8Array(10) }, fit: "pad" } }, "source"],
  ["a mask of the wrong length", { init: { ...source(), mask: new Uint8Array(3) } }, "mask"],
  ["a VAE tile size of 0", { tiling: { mode: "on", tile: 0, overlap: 0 } }, "tiling"],
  ["a VAE tile overlap larger than the tile", { tiling: { mode: "on", tile: 16, overlap: 40 } }, "tiling"],
  ["an unknown tiling mode", { tiling: { mode: "always", tile: 32, overlap: 8 } }, "tiling"],
];

describe("runaway requests through the worker protocol", () => {
  const events: WorkerEvent[] = [];
  const { runtime, sessions } = countingRuntime();
  const handle = createHandler(
    fakeDeps(async () => runtime),
    (e) => events.push(e),
  );

  it.each(CASES)("answers %s with InvalidParamsError naming the field within 1 s", async (_, over, field) => {
    const id = `runaway-${field}-${events.length}`;
    // built from parts as a hostile or buggy sender would, so the values' types are not the protocol's
    const job = {
      modelId: "tiny-shapes",
      modelBase: folder,
      backend: "wasm",
      previews: false,
      params: { ...params, ...over.params },
      init: over.init,
      tiling: over.tiling,
    };
    const t0 = performance.now();
    handle({ kind: "generate", id, job: job as GenerateJob });
    const end = await settledEvent(events, id);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(end.kind === "error" && end.error).toMatchObject({ name: "InvalidParamsError", data: { field } });
    // refused before any model work
    expect(sessions.created).toBe(0);
  });
});
