import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { maxRgbDifference } from "../engine/image";
import { loadModel } from "../engine/loadModel";
import { createNodeRuntime } from "../engine/nodeRuntime";
import { generate } from "../engine/pipeline";
import { decodePng } from "../png/encodePng";
import { CATALOG, type HubCatalogEntry } from "./catalog";
import { twinSource, TWINS } from "./twinSource";

/**
 * Every catalog hub model as shipped (file paths, tokenizer files, manifest) against its twin: random weights with
 * the real repo's layout and interface (tools/twins/), served from disk as the hub would serve it. The images must
 * equal the diffusers pipelines' on the same weights and seeds. The variant is loaded as shipped: its half-precision
 * requirement is the variant picker's (pickVariant), and onnxruntime-node runs the twins' graphs on the CPU.
 */
interface ReferenceCase {
  prompt: string;
  negativePrompt: string | null;
  seed: number;
  steps: number;
  guidance: number;
  width: number;
  height: number;
  sampler: string;
  image: string;
}

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
      const { image } = await generate(model, runtime, {
        prompt: c.prompt,
        negativePrompt: c.negativePrompt ?? "",
        seed: c.seed,
        steps: c.steps,
        guidance: c.guidance,
        width: c.width,
        height: c.height,
        sampler: c.sampler,
        // diffusers' pipelines cut prompts at 77 tokens and read brackets as text
        promptSyntax: "plain",
      });
      const want = decodePng(readFileSync(join(TWINS, "references", c.image)));
      expect([image.width, image.height]).toEqual([want.width, want.height]);
      expect(maxRgbDifference(image.data, want.rgba)).toBeLessThanOrEqual(2);
    },
  );
});
