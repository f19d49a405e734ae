import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseManifestJson, type TextEncoderSpec } from "../manifest";
import { hubDownloads, variantFiles, type HubCatalogEntry } from "../hub/hubModel";
import { CATALOG, findEntry } from "./catalog";
import { twinSource, TWINS } from "./twinSource";

const hubEntry = (id: string) => {
  const entry = findEntry(CATALOG, id);
  if (entry?.kind !== "hub") throw new Error(`${id} is not a hub entry`);
  return entry;
};
const hubEntries = CATALOG.filter((e): e is HubCatalogEntry => e.kind === "hub");

interface TwinRecord {
  repo: string;
  revision: string;
  files: Record<string, { io?: { outputs: { name: string }[] } }>;
  scheduler: Record<string, unknown>;
}
const twins = JSON.parse(readFileSync(join(TWINS, "references/twins.json"), "utf8")) as Record<string, TwinRecord>;
/** The manifest's default when it names no encoders (SD 1.x/2.x) */
const SD_ENCODERS: TextEncoderSpec[] = [{ part: "text_encoder", hiddenStates: "last_hidden_state" }];
const HUB = "https://hub.invalid";
/** `{hub}/{owner}/{repo}/resolve/{revision}/{path}` → [owner/repo, path] */
const repoPath = (url: string): [string, string] => {
  const m = /^https:\/\/hub\.invalid\/([^/]+\/[^/]+)\/resolve\/[^/]+\/(.+)$/.exec(url);
  if (!m) throw new Error(`unexpected URL ${url}`);
  return [m[1], decodeURIComponent(m[2])];
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

  // The twins (tools/twins) copy each real repo's layout, tokenizer files, ONNX I/O names and scheduler config
  describe.each(hubEntries.map((e) => [e.manifest.id, e] as const))("%s agrees with the real repo its twin copies", (id, entry) => {
    const real = twins[id];
    const { manifest } = entry;

    it("names the repo and revision the twin was made from, and only files that repo has", () => {
      expect(entry.source).toMatchObject({ repo: real.repo, revision: real.revision });
      for (const variant of manifest.variants) {
        for (const d of hubDownloads(entry, variant.id, HUB)) {
          const [repo, path] = repoPath(d.url);
          if (repo === real.repo) expect(Object.keys(real.files), d.url).toContain(path);
          else expect(existsSync(join(TWINS, repo, path)), d.url).toBe(true);
        }
      }
    });

    it("takes its scheduler settings from the repo's scheduler config", () => {
      for (const [key, value] of Object.entries(manifest.scheduler)) expect(real.scheduler[key], key).toEqual(value);
    });

    it("reads text encoder outputs the ONNX files have, and pads with the id of the tokenizer config's pad token", async () => {
      for (const variant of manifest.variants) {
        const source = twinSource(entry, variant.id);
        for (const encoder of manifest.textEncoders ?? SD_ENCODERS) {
          const file = variant.files[encoder.part];
          if (!file) throw new Error(`${id} ${variant.id} has no ${encoder.part}`);
          const [, path] = repoPath(hubDownloads(entry, variant.id, HUB).find((d) => d.path === file.path)!.url);
          const outputs = real.files[path].io?.outputs.map((o) => o.name);
          expect(outputs, path).toEqual(expect.arrayContaining([encoder.hiddenStates, ...(encoder.pooled ? [encoder.pooled] : [])]));

          const tokenizer = encoder.tokenizer ?? manifest.tokenizer;
          const json = async (p: string) => JSON.parse(new TextDecoder().decode(await source.read(p)));
          const config = await json(tokenizer.configPath!);
          const pad = typeof config.pad_token === "string" ? config.pad_token : config.pad_token.content;
          expect((await json(tokenizer.path))[pad], `${encoder.part} pads with ${pad}`).toBe(tokenizer.padId);
          expect(tokenizer.maxLength).toBe(config.model_max_length);
        }
      }
    });
  });

  it("describes SDXL-Turbo as SDXL's diffusers configs do (states 768 + 1280 wide, penultimate layers, text_time)", () => {
    const { manifest } = hubEntry("sdxl-turbo");
    const config = (path: string) => JSON.parse(readFileSync(join(__dirname, "__fixtures__/sdxl-onnx", path, "config.json"), "utf8"));
    const unet = config("unet");
    expect(manifest.textEmbeddingDim).toBe(unet.cross_attention_dim);
    expect(manifest.additionEmbedType).toBe(unet.addition_embed_type);
    expect(manifest.scalingFactor).toBe(config("vae_decoder").scaling_factor);
    // SDXL conditions on each encoder's penultimate layer: hidden_states[num_hidden_layers - 1]
    expect(manifest.textEncoders?.map((e) => e.hiddenStates)).toEqual(
      ["text_encoder", "text_encoder_2"].map((part) => `hidden_states.${config(part).num_hidden_layers - 1}`),
    );
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
      ...["vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"].map(
        (f) => `stabilityai/sdxl-turbo/resolve/main/tokenizer/${f}`,
      ),
      ...["vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"].map(
        (f) => `stabilityai/sdxl-turbo/resolve/main/tokenizer_2/${f}`,
      ),
      "webnn/sdxl-turbo/resolve/main/onnx/text_encoder_model_q4f16.onnx",
      "webnn/sdxl-turbo/resolve/main/onnx/text_encoder_2_model_q4f16.onnx",
      "webnn/sdxl-turbo/resolve/main/onnx/unet_model_q4f16.onnx",
      "webnn/sdxl-turbo/resolve/main/onnx/vae_decoder_model_q4f16.onnx",
    ]);
  });
});
