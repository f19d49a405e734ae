import "fake-indexeddb/auto";
import { resolveObjectURL } from "node:buffer";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { createStore } from "idb-keyval";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { startHub, tinyShapesRepos, TWINS, type Hub } from "../../e2e/hub/server";
import { loadModel, readManifest } from "../engine/loadModel";
import { createNodeRuntime } from "../engine/nodeRuntime";
import { parseManifestJson } from "../manifest";
import { hubDownloads, type HubCatalogEntry } from "../hub/hubModel";
import { CATALOG, findEntry } from "../models/catalog";
import { cachedSource, downloadState, hubSource } from "./cachedSource";
import { downloadFile, downloadModel } from "./downloader";
import { sha256Hex } from "./__fixtures__/testBytes";
import { FileTooLargeError, ModelNotDownloadedError } from "./errors";
import { createWeightCache, type WeightCache } from "./weightCache";

const TINY = path.resolve("public/models/tiny-shapes");
let hub: Hub;
let cache: WeightCache;
let dbCount = 0;

const sdTurbo = findEntry(CATALOG, "sd-turbo") as HubCatalogEntry;
// hashes, not toEqual: deep-comparing megabytes element by element takes vitest tens of seconds
const fileSha = async (name: string) => sha256Hex(await readFile(path.join(TWINS, sdTurbo.source.repo, name)));

beforeAll(async () => {
  hub = await startHub({ root: TINY, repos: tinyShapesRepos(TINY) });
});

afterAll(() => hub.close());

beforeEach(() => {
  hub.reset();
  cache = createWeightCache(createStore(`source-test-${++dbCount}`, "weights"), { chunkBytes: 1024 * 1024 });
});

describe("cached model source", () => {
  it("refuses, with how much is missing, to hand out a model that is not fully downloaded", async () => {
    const [tokenizer, config] = hubDownloads(sdTurbo, "fp16", hub.url);
    await downloadFile(cache, tokenizer);
    await downloadFile(cache, config);
    expect(await downloadState(cache, sdTurbo, "fp16")).toMatchObject({ done: 2, total: 8 });

    const source = cachedSource(cache, sdTurbo);
    const err = await source.read("unet/model.onnx").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelNotDownloadedError);
    expect((err as Error).message).toBe("SD-Turbo is not fully downloaded (2 of 8 files); connect to the internet to finish the download.");
    expect(sha256Hex(await source.read("tokenizer/merges.txt"))).toBe(await fileSha("tokenizer/merges.txt"));
  });

  it("serves the manifest as model.json and every file once the model is complete", async () => {
    const progress: number[] = [];
    await downloadModel(cache, sdTurbo, "fp16", hub.url, { onProgress: (p) => progress.push(p.index ?? -1) });
    expect(new Set(progress)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7]));
    // the catalog gives no sizes: HEAD did, so every file is verified against the hub's size
    expect(await downloadState(cache, sdTurbo, "fp16")).toEqual({ done: 8, verified: 8, total: 8, bytesStored: expect.any(Number), missing: [] });

    const source = cachedSource(cache, sdTurbo, "fp16");
    expect((await readManifest(source)).id).toBe("sd-turbo");
    expect(sha256Hex(await source.read("unet/model.onnx"))).toBe(await fileSha("unet/model.onnx"));
    // files one buffer can hold are read, not located
    expect(await source.locate!("unet/model.onnx")).toBeUndefined();
    expect(sha256Hex(await source.read("tokenizer/vocab.json"))).toBe(await fileSha("tokenizer/vocab.json"));

    // offline: everything comes from the cache, nothing from the hub
    hub.reset();
    await downloadModel(cache, sdTurbo, "fp16", "http://127.0.0.1:9");
    expect(hub.requests()).toEqual([]);
  });

  it("holds a Web Lock per model while downloading, so two tabs never write the same files", async () => {
    const held: string[] = [];
    vi.stubGlobal("navigator", {
      locks: {
        request: async (name: string, _options: LockOptions, run: () => Promise<unknown>) => {
          held.push(name);
          return run();
        },
      },
    });
    try {
      const records = await downloadModel(cache, sdTurbo, "fp16", hub.url);
      expect(records).toHaveLength(8);
      expect(held).toEqual(["weight-cache:sd-turbo"]);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it("loads a downloaded model into the engine, checking the manifest's sizes and hashes", async () => {
    const manifest = parseManifestJson(await readFile(path.join(TINY, "model.json"), "utf8"));
    const entry: HubCatalogEntry = {
      kind: "hub",
      manifest,
      source: { hub: "hf", repo: "test/tiny-shapes", revision: "main" },
      downloadBytes: { fp32: 9_000_000 },
    };
    const variant = manifest.variants.find((v) => v.id === "fp32")!;
    expect(hubDownloads(entry, "fp32", hub.url).find((d) => d.path === "unet/model.onnx")?.expected).toEqual({
      bytes: variant.files.unet.bytes,
      sha256: variant.files.unet.sha256,
    });
    await downloadModel(cache, entry, "fp32", hub.url);
    const model = await loadModel(manifest, variant, cachedSource(cache, entry, "fp32"), createNodeRuntime());
    try {
      expect(model.textEncoders[0].tokenizer.encode("a red star")).toHaveLength(77);
      expect(model.unet.inputs.map((i) => i.name)).toContain("encoder_hidden_states");
    } finally {
      await model.release();
    }
  });

  it("hands a file too large for one buffer to ONNX Runtime as a blob: URL over its chunks, after checking it", async () => {
    const small = createWeightCache(createStore(`source-test-${++dbCount}`, "weights"), { chunkBytes: 64 * 1024, maxWholeReadBytes: 2 ** 20 });
    await downloadModel(small, sdTurbo, "fp16", hub.url);
    const source = cachedSource(small, sdTurbo, "fp16");
    await expect(source.read("unet/model.onnx")).rejects.toThrow(FileTooLargeError);
    const url = await source.locate!("unet/model.onnx");
    expect(url).toMatch(/^blob:/);
    expect(sha256Hex(new Uint8Array(await resolveObjectURL(url!)!.arrayBuffer()))).toBe(await fileSha("unet/model.onnx"));
    // locating it again lets go of the first URL
    const again = await source.locate!("unet/model.onnx");
    expect(resolveObjectURL(url!)).toBeUndefined();
    expect(resolveObjectURL(again!)).toBeDefined();
    expect(await source.locate!("tokenizer/vocab.json")).toBeUndefined();
  });

  it("reads straight from the hub when there is no cache", async () => {
    const source = hubSource(sdTurbo, "fp16", hub.url);
    expect(sha256Hex(await source.read("vae_decoder/model.onnx"))).toBe(await fileSha("vae_decoder/model.onnx"));
    await expect(source.read("unet/other.onnx")).rejects.toThrow(RangeError);
  });
});
