import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { maxRgbDifference } from "../engine/image";
import { loadModel } from "../engine/loadModel";
import { createNodeRuntime } from "../engine/nodeRuntime";
import { generate } from "../engine/pipeline";
import { decodePng } from "../png/encodePng";
import type { HubCatalogEntry } from "../hub/hubModel";
import { CATALOG } from "./catalog";
import { resolveCustomModel, type HubReader } from "./customModel";
import { caseParams, type ReferenceCase } from "./referenceCase";
import type { ModelRef } from "./customModelRef";
import { twinSource, TWINS } from "./twinSource";

/**
 * Every catalog hub model as shipped (file paths, tokenizer files, manifest) against its twin: random weights with
 * the real repo's layout and interface (tools/twins/), served from disk as the hub would serve it. The images must
 * equal the diffusers pipelines' on the same weights and seeds. The variant is loaded as shipped: its half-precision
 * requirement is the variant picker's (pickVariant), and onnxruntime-node runs the twins' graphs on the CPU.
 */
const hubEntries = CATALOG.filter((e): e is HubCatalogEntry => e.kind === "hub");

describe.each(hubEntries.map((e) => [e.manifest.id, e] as const))("catalog model %s on its twin", (id, entry) => {
  const reference = JSON.parse(readFileSync(join(TWINS, "references", `${id}.json`), "utf8")) as { cases: ReferenceCase[] };
  const variant = entry.manifest.variants[0];
  const runtime = createNodeRuntime(2);
  const loaded = loadModel(entry.manifest, variant, twinSource(entry, variant.id), runtime);

  // The form's empty negative prompt means "none", which SDXL's pipeline turns into zeros (force_zeros_for_empty_prompt)
  // only for negative_prompt=None; a reference that passed "" asks for the encoded empty string, which the app's
  // parameters cannot express.
  const cases = reference.cases.filter((c) => !(c.negativePrompt === "" && entry.manifest.forceZerosForEmptyPrompt));

  it.each(cases.map((c) => [`${c.image}: "${c.prompt.slice(0, 40)}", seed ${c.seed}, ${c.steps} step(s), guidance ${c.guidance}`, c] as const))(
    "%s equals diffusers' image within 2/255",
    async (_, c) => {
      const model = await loaded;
      const { image } = await generate(model, runtime, caseParams(c));
      const want = decodePng(readFileSync(join(TWINS, "references", c.image)));
      expect([image.width, image.height]).toEqual([want.width, want.height]);
      expect(maxRgbDifference(image.data, want.rgba)).toBeLessThanOrEqual(2);
    },
  );
});

/** The twins' repos read as a hub would answer for them: JSON documents and file sizes. */
const twinHub: HubReader = {
  async json(f) {
    const file = join(TWINS, f.repo, f.path);
    return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as unknown) : undefined;
  },
  async stat(f) {
    const file = join(TWINS, f.repo, f.path);
    return existsSync(file) ? { bytes: statSync(file).size } : undefined;
  },
};

describe("the catalog repos added as custom models by repo id", () => {
  const ref = (repo: string): ModelRef => ({ hubBase: "https://huggingface.co", repo, revision: "main" });

  it("LCM Dreamshaper's diffusers configs describe it, and it gives diffusers' image", async () => {
    const entry = await resolveCustomModel("aislamov/lcm-dreamshaper-v7-onnx", ref("aislamov/lcm-dreamshaper-v7-onnx"), twinHub);
    const catalog = CATALOG.find((e): e is HubCatalogEntry => e.kind === "hub" && e.manifest.id === "lcm-dreamshaper-v7")!;
    expect(entry.manifest).toMatchObject({ timeCondProjDim: 256, defaults: { sampler: "LCM", steps: 4, guidance: 8 } });
    expect(entry.manifest.tokenizer).toEqual(catalog.manifest.tokenizer);
    const { cases } = JSON.parse(readFileSync(join(TWINS, "references", "lcm-dreamshaper-v7.json"), "utf8")) as { cases: ReferenceCase[] };
    const c = cases.find((x) => x.guidance > 1)!;
    const runtime = createNodeRuntime(2);
    // its file names say fp32 (model.onnx) but the weights are float16, as in the real export: the app finds that at
    // load and refuses without shader-f16; onnxruntime-node's CPU runs them, so only that requirement is lifted here
    await expect(loadModel(entry.manifest, entry.manifest.variants[0], twinSource(entry, "fp32"), runtime)).rejects.toThrow(/half-precision/);
    const variant = { ...entry.manifest.variants[0], requiresShaderF16: true };
    const model = await loadModel(entry.manifest, variant, twinSource(entry, variant.id), runtime);
    try {
      const { image } = await generate(model, runtime, caseParams(c));
      expect(maxRgbDifference(image.data, decodePng(readFileSync(join(TWINS, "references", c.image))).rgba)).toBeLessThanOrEqual(2);
    } finally {
      await model.release();
    }
  });

  it("SD-Turbo's and SDXL-Turbo's ONNX repos have no diffusers configs, which the error says", async () => {
    for (const repo of ["schmuell/sd-turbo-ort-web", "webnn/sdxl-turbo"]) {
      await expect(resolveCustomModel(repo, ref(repo), twinHub)).rejects.toThrow(/has neither a model.json nor a model_index.json/);
    }
  });
});
