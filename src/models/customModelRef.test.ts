import { describe, expect, it } from "vitest";
import { customModelId, InvalidModelRefError, parseModelRef } from "./customModelRef";

const HUB = "https://huggingface.co";

describe("parseModelRef", () => {
  it("reads repo ids, with or without a revision, against the hub setting", () => {
    expect(parseModelRef(" owner/name ", HUB)).toEqual({ hubBase: HUB, repo: "owner/name", revision: "main" });
    expect(parseModelRef("stabilityai/sd-turbo@refs/pr/12", "http://127.0.0.1:8090")).toEqual({
      hubBase: "http://127.0.0.1:8090",
      repo: "stabilityai/sd-turbo",
      revision: "refs/pr/12",
    });
  });

  it("reads repository addresses: pages, tree and download links, mirrors under a path", () => {
    expect(parseModelRef("https://huggingface.co/aislamov/lcm-dreamshaper-v7-onnx", HUB)).toEqual({
      hubBase: HUB,
      repo: "aislamov/lcm-dreamshaper-v7-onnx",
      revision: "main",
    });
    expect(parseModelRef("https://huggingface.co/a/b/tree/ace89b7/unet", "http://other")).toMatchObject({ hubBase: HUB, revision: "ace89b7" });
    expect(parseModelRef("https://hf.example/mirror/a/b/resolve/v1.0/model.json", HUB)).toEqual({
      hubBase: "https://hf.example/mirror",
      repo: "a/b",
      revision: "v1.0",
    });
    expect(parseModelRef("http://127.0.0.1:8090/test/tiny-shapes/", HUB)).toEqual({
      hubBase: "http://127.0.0.1:8090",
      repo: "test/tiny-shapes",
      revision: "main",
    });
  });

  it("refuses what is not a model repository, saying what to enter", () => {
    for (const bad of ["", "stable-diffusion", "a/b/c", "a/../b", "a--b/c", "-a/b", "a/b@", "a/b@x..y", "https://huggingface.co/sd"]) {
      expect(() => parseModelRef(bad, HUB), bad).toThrow(InvalidModelRefError);
    }
    expect(() => parseModelRef("https://huggingface.co/datasets/a/b", HUB)).toThrow(/is a dataset, not a model repository/);
    expect(() => parseModelRef("ftp://x/a/b", HUB)).toThrow(/Enter a Hugging Face repo id such as "owner\/name"/);
  });

  it("gives ids that are file names and differ from catalog ids and between revisions", () => {
    expect(customModelId({ hubBase: HUB, repo: "a/b", revision: "main" })).toBe("custom--a--b");
    expect(customModelId({ hubBase: HUB, repo: "a/b", revision: "refs/pr/1" })).toBe("custom--a--b--refs_pr_1");
  });
});
