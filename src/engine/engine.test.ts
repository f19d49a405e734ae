import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InvalidParamsError } from "../errors";
import type { GenerateParams } from "../params";
import { decodePng } from "../png/encodePng";
import type { GenerateJob, LoadStatus } from "../protocol";
import { createEngine } from "./engine";
import { createNodeRuntime, diskSource } from "./nodeRuntime";

const folder = join(__dirname, "../../public/models/tiny-shapes");
const xlFolder = join(__dirname, "../../public/models/tiny-shapes-xl");

const params: GenerateParams = {
  prompt: "a red star on a blue background",
  negativePrompt: "",
  steps: 3,
  guidance: 4,
  seed: 7,
  width: 64,
  height: 64,
  sampler: "Euler",
};
const job = (over: Partial<GenerateJob> = {}): GenerateJob => ({
  modelId: "tiny-shapes",
  modelBase: folder,
  backend: "wasm",
  previews: false,
  params,
  ...over,
});

/** An engine over the disk that counts the manifests it reads and the sessions it creates. */
function setup() {
  const runtime = createNodeRuntime();
  const counts = { manifests: 0, sessions: 0 };
  const create = runtime.createSession.bind(runtime);
  runtime.createSession = (model, external) => ((counts.sessions += 1), create(model, external));
  const engine = createEngine({
    createRuntime: async () => runtime,
    openModel: async (target) => {
      const disk = diskSource(target.modelBase);
      return { ...disk, read: (path) => ((counts.manifests += Number(path === "model.json")), disk.read(path)) };
    },
  });
  return { engine, counts };
}

describe("the engine's front door (onnxruntime-node)", () => {
  const { engine, counts } = setup();
  afterAll(() => engine.release());

  it("answers a job with the finished image: PNG, seed and AUTOMATIC1111's parameters for the sampler that ran", async () => {
    const statuses: LoadStatus["status"][] = [];
    const result = await engine.generate(job({ params: { ...params, sampler: "DPM++ 2M Karras", seed: -1 } }), {
      onStatus: (s) => statuses.push(s.status),
    });
    expect(statuses[0]).toBe("initiate");
    expect(statuses.at(-1)).toBe("done");
    expect(result.seed).toBeGreaterThanOrEqual(0);
    expect(result.params.seed).toBe(result.seed);
    expect(result.sampler).toEqual({ sampler: "DPM++ 2M", scheduleType: "Karras" });
    // A1111 writes the prompt, then its settings on one line ("Sampler" and "Schedule type" apart since v1.9)
    expect(result.parameters).toBe(
      `a red star on a blue background\nSteps: 3, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 4, Seed: ${result.seed}, Size: 64x64, Model: tiny-shapes`,
    );
    expect(decodePng(result.png).rgba).toEqual(result.image.data);
    expect(result.timings.loadMs).toBeGreaterThan(0);
  });

  it("reads the manifest once per load: a job for the loaded model reads none, another model's job one", async () => {
    const before = counts.manifests;
    const statuses: LoadStatus["status"][] = [];
    await engine.generate(job(), { onStatus: (s) => statuses.push(s.status) });
    expect(counts.manifests).toBe(before);
    expect(statuses).toEqual(["done"]);
    await engine.generate(job({ modelId: "tiny-shapes-xl", modelBase: xlFolder }));
    expect(counts.manifests).toBe(before + 1);
  });

  it("checks the settings before any model work, the editing ones included", async () => {
    const fresh = setup();
    await expect(fresh.engine.generate(job({ params: { ...params, steps: 1e9 } }))).rejects.toMatchObject({
      name: "InvalidParamsError",
      data: { field: "steps" },
    });
    const image = { width: 64, height: 64, data: new Uint8Array(64 * 64 * 4) };
    const outpaint = job({
      params: { ...params, width: 96 },
      init: { image, fit: "crop", outpaint: { left: 0, right: 32, top: 0, bottom: 0, seam: 65 } },
    });
    await expect(fresh.engine.generate(outpaint)).rejects.toThrow(InvalidParamsError);
    expect(fresh.counts.sessions).toBe(0);
  });
});
