import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CATALOG, type HubCatalogEntry } from "../../models/catalog";
import { decodePng } from "../../png/encodePng";
import { loadModel, type ModelSource } from "../loadModel";
import { createNodeRuntime } from "../nodeRuntime";
import { generate } from "../pipeline";
import { readLora } from ".";

/**
 * Random LoRAs (kohya keys in float16 with LoCon convolutions; diffusers/PEFT keys in bfloat16) applied to the
 * SD-Turbo twin through loadModel, against diffusers' load_lora_weights + fuse_lora on the same weights
 * (tools/lora/make_lora_references.py).
 */
const FIXTURES = join(__dirname, "__fixtures__");
const TWIN = join(__dirname, "../../models/__fixtures__/twins/schmuell/sd-turbo-ort-web");

interface Case {
  loras: [string, number][];
  prompt: string;
  seed: number;
  steps: number;
  guidance: number;
  width: number;
  height: number;
  sampler: string;
  image: string;
}

const references = JSON.parse(readFileSync(join(FIXTURES, "references.json"), "utf8")) as { twin: Record<string, string>; cases: Case[] };
const entry = CATALOG.find((e): e is HubCatalogEntry => e.kind === "hub" && e.manifest.id === "sd-turbo")!;
const variant = entry.manifest.variants[0];
const source: ModelSource = { read: async (path) => new Uint8Array(await readFile(join(TWIN, path))) };

describe("LoRAs on the SD-Turbo twin", () => {
  it("are made for the twin's current weights", () => {
    for (const [path, sha] of Object.entries(references.twin)) {
      const got = createHash("sha256").update(readFileSync(join(TWIN, path))).digest("hex");
      expect(got, `${path} changed since the LoRA references were made: rerun tools/lora/make_lora_references.py`).toBe(sha);
    }
  });

  it.each(references.cases.map((c) => [c.image, c] as const))("%s equals diffusers' fused image within 2/255", async (_, c) => {
    const runtime = createNodeRuntime(2);
    const loras = c.loras.map(([name, strength]) => readLora(readFileSync(join(FIXTURES, `${name}.safetensors`)), name, strength));
    const model = await loadModel(entry.manifest, variant, source, runtime, undefined, loras);
    try {
      expect(model.warnings).toEqual([]);
      const { image } = await generate(model, runtime, { ...c, negativePrompt: "" });
      const want = decodePng(readFileSync(join(FIXTURES, c.image)));
      expect([image.width, image.height]).toEqual([want.width, want.height]);
      let worst = 0;
      for (let p = 0; p < want.width * want.height; p++) {
        for (let k = 0; k < 3; k++) worst = Math.max(worst, Math.abs(image.data[p * 4 + k] - want.rgba[p * 4 + k]));
      }
      expect(worst).toBeLessThanOrEqual(2);
    } finally {
      await model.release();
    }
  });
});
