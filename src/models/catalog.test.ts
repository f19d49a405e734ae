import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseManifestJson } from "../manifest";
import { hubDownloads, variantFiles, type HubCatalogEntry } from "../hub/hubModel";
import { CATALOG, findEntry } from "./catalog";

const hubEntry = (id: string) => {
  const entry = findEntry(CATALOG, id);
  if (entry?.kind !== "hub") throw new Error(`${id} is not a hub entry`);
  return entry as HubCatalogEntry;
};

describe("catalog", () => {
  it("holds the built-in model and hub models whose manifests pass the engine's checks", () => {
    expect(CATALOG.map((e) => (e.kind === "hub" ? e.manifest.id : e.id))).toEqual([
      "tiny-shapes",
      "tiny-shapes-xl",
      "sd-turbo",
      "sdxl-turbo",
      "lcm-dreamshaper-v7",
    ]);
    for (const entry of CATALOG) {
      if (entry.kind !== "hub") continue;
      expect(parseManifestJson(JSON.stringify(entry.manifest))).toEqual(entry.manifest);
      for (const v of entry.manifest.variants) expect(entry.downloadBytes[v.id]).toBeGreaterThan(0);
    }
  });

  it("lists each built-in model's variants as its model.json does (sizes within 1 %: a retrained model must update them)", () => {
    for (const entry of CATALOG) {
      if (entry.kind !== "builtin" || !entry.variants) continue;
      const manifest = parseManifestJson(readFileSync(join(__dirname, "../../public", entry.base, "model.json"), "utf8"));
      expect(entry.variants.map((v) => [v.precision, v.requiresShaderF16])).toEqual(manifest.variants.map((v) => [v.precision, v.requiresShaderF16]));
      manifest.variants.forEach((v, i) => {
        const bytes = Object.values(v.files).reduce((n, f) => n + (f.bytes ?? 0), 0);
        expect(Math.abs(entry.variants![i].bytes - bytes) / bytes, `${entry.id} ${v.id}`).toBeLessThan(0.01);
      });
    }
  });

  it("describes SD-Turbo as the ORT WebGPU export needs it", () => {
    const { manifest } = hubEntry("sd-turbo");
    expect(manifest).toMatchObject({
      textEmbeddingDim: 1024,
      sizes: { native: 512 },
      tokenizer: { padId: 0, maxLength: 77 },
      scheduler: { timestep_spacing: "trailing", prediction_type: "epsilon" },
      defaults: { sampler: "Euler", steps: 1, guidance: 0 },
    });
    expect(manifest.variants.every((v) => v.requiresShaderF16)).toBe(true);
  });

  it("describes SDXL-Turbo as the 4-bit WebNN export needs it", () => {
    const { manifest } = hubEntry("sdxl-turbo");
    expect(manifest).toMatchObject({
      textEmbeddingDim: 2048,
      additionEmbedType: "text_time",
      scalingFactor: 0.13025,
      defaults: { sampler: "Euler a", steps: 1, guidance: 0, width: 512, height: 512 },
    });
    expect(manifest.textEncoders?.map((e) => [e.part, e.hiddenStates, e.pooled, (e.tokenizer ?? manifest.tokenizer).padId])).toEqual([
      ["text_encoder", "hidden_states.11", undefined, 49407],
      ["text_encoder_2", "hidden_states.31", "text_embeds", 0],
    ]);
    expect(manifest.variants.map((v) => [v.precision, v.requiresShaderF16])).toEqual([["q4f16", true]]);
  });

  it("lists every file of a variant once, tokenizer first, external data after its graph", () => {
    expect(variantFiles(hubEntry("lcm-dreamshaper-v7").manifest, "fp16").map((f) => f.path)).toEqual([
      "tokenizer/vocab.json",
      "tokenizer/merges.txt",
      "tokenizer/tokenizer_config.json",
      "tokenizer/special_tokens_map.json",
      "text_encoder/model.onnx",
      "unet/model.onnx",
      "unet/model.onnx_data",
      "vae_decoder/model.onnx",
      "vae_decoder/model.onnx_data",
    ]);
    expect(() => variantFiles(hubEntry("sd-turbo").manifest, "fp32")).toThrow(/no variant "fp32"/);
  });

  it("resolves download addresses with the hub's rule, taking overridden files from their own repo", () => {
    const urls = hubDownloads(hubEntry("sd-turbo"), "fp16", "http://127.0.0.1:8090").map((d) => d.url);
    const rev = "ace89b7d2cd849f9a73914cdbb8a3ea60c853dd1";
    expect(urls).toEqual([
      `http://127.0.0.1:8090/schmuell/sd-turbo-ort-web/resolve/${rev}/tokenizer/vocab.json`,
      `http://127.0.0.1:8090/schmuell/sd-turbo-ort-web/resolve/${rev}/tokenizer/merges.txt`,
      `http://127.0.0.1:8090/schmuell/sd-turbo-ort-web/resolve/${rev}/tokenizer/tokenizer_config.json`,
      `http://127.0.0.1:8090/schmuell/sd-turbo-ort-web/resolve/${rev}/tokenizer/special_tokens_map.json`,
      `http://127.0.0.1:8090/schmuell/sd-turbo-ort-web/resolve/${rev}/text_encoder/model.onnx`,
      `http://127.0.0.1:8090/schmuell/sd-turbo-ort-web/resolve/${rev}/unet/model.onnx`,
      `http://127.0.0.1:8090/schmuell/sd-turbo-ort-web/resolve/${rev}/vae_decoder/model.onnx`,
      `http://127.0.0.1:8090/schmuell/sd-turbo-ort-web/resolve/${rev}/vae_encoder/model.onnx`,
    ]);
    // webnn/sdxl-turbo keeps its graphs under onnx/ and ships no tokenizer: both come from stabilityai/sdxl-turbo
    const sdxl = hubDownloads(hubEntry("sdxl-turbo"), "q4f16", "https://huggingface.co").map((d) => d.url.replace("https://huggingface.co/", ""));
    expect(sdxl).toEqual([
      ...["vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"].map((f) => `stabilityai/sdxl-turbo/resolve/main/tokenizer/${f}`),
      ...["vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"].map((f) => `stabilityai/sdxl-turbo/resolve/main/tokenizer_2/${f}`),
      "webnn/sdxl-turbo/resolve/main/onnx/text_encoder_model_q4f16.onnx",
      "webnn/sdxl-turbo/resolve/main/onnx/text_encoder_2_model_q4f16.onnx",
      "webnn/sdxl-turbo/resolve/main/onnx/unet_model_q4f16.onnx",
      "webnn/sdxl-turbo/resolve/main/onnx/vae_decoder_model_q4f16.onnx",
    ]);
  });
});
