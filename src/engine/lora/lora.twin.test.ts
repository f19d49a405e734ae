import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { HubCatalogEntry } from "../../hub/hubModel";
import { CATALOG } from "../../models/catalog";
import { caseParams, type ReferenceCase } from "../../models/referenceCase";
import { twinSource, TWINS } from "../../models/twinSource";
import { decodePng } from "../../png/encodePng";
import { maxRgbDifference } from "../image";
import { loadModel } from "../loadModel";
import { createNodeRuntime } from "../nodeRuntime";
import { generate } from "../pipeline";
import { readLora } from ".";

/**
 * Random LoRAs applied through loadModel to the catalog models' twins (random weights in the real repos' layouts,
 * tools/twins/), against diffusers' load_lora_weights + fuse_lora on the same weights
 * (tools/lora/make_lora_references.py): SD-Turbo with kohya keys in float16 (LoCon convolutions included),
 * diffusers/PEFT keys in bfloat16, two at once and a negative strength; SDXL-Turbo with lora_te1_ / lora_te2_ keys
 * and with kohya's sgm-layout U-Net keys (input_blocks_…, time_embed, label_emb, conv_in/out included);
 * LCM Dreamshaper (SD 1.5's interface, guidance embedded) with an LCM-LoRA-style U-Net adapter, sampled by LCM.
 */
const FIXTURES = join(__dirname, "__fixtures__");

interface Case extends Omit<ReferenceCase, "negativePrompt"> {
  loras: [string, number][];
}

const MODELS = [
  ["sd-turbo", FIXTURES],
  ["sdxl-turbo", join(FIXTURES, "sdxl-turbo")],
  ["lcm-dreamshaper-v7", join(FIXTURES, "lcm-dreamshaper-v7")],
] as const;

describe.each(MODELS)("LoRAs on the %s twin", (id, folder) => {
  const references = JSON.parse(readFileSync(join(folder, "references.json"), "utf8")) as { twin: Record<string, string>; cases: Case[] };
  const entry = CATALOG.find((e): e is HubCatalogEntry => e.kind === "hub" && e.manifest.id === id)!;
  const variant = entry.manifest.variants[0];
  const source = twinSource(entry, variant.id);

  it("are made for the twin's current weights", () => {
    for (const [path, sha] of Object.entries(references.twin)) {
      const got = createHash("sha256")
        .update(readFileSync(join(TWINS, entry.source.repo, path)))
        .digest("hex");
      expect(got, `${path} changed since the LoRA references were made: rerun tools/lora/make_lora_references.py`).toBe(sha);
    }
  });

  it.each(references.cases.map((c) => [c.image, c] as const))("%s equals diffusers' fused image within 2/255", async (_, c) => {
    const runtime = createNodeRuntime(2);
    const loras = c.loras.map(([name, strength]) => readLora(readFileSync(join(folder, `${name}.safetensors`)), name, strength));
    const model = await loadModel(entry.manifest, variant, source, runtime, undefined, loras);
    try {
      expect(model.warnings).toEqual([]);
      const { image } = await generate(model, runtime, caseParams({ ...c, negativePrompt: "" }, "A1111"));
      const want = decodePng(readFileSync(join(folder, c.image)));
      expect([image.width, image.height]).toEqual([want.width, want.height]);
      expect(maxRgbDifference(image.data, want.rgba)).toBeLessThanOrEqual(2);
    } finally {
      await model.release();
    }
  });
});
