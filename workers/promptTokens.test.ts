import { describe, expect, it } from "vitest";
import type { HubCatalogEntry } from "../src/hub/hubModel";
import { CATALOG } from "../src/models/catalog";
import { twinSource } from "../src/models/twinSource";
import { createPromptInspector } from "./promptTokens";

/** The prompt help for a catalog model reads its own tokenizer files (SD-Turbo's twin: vocab.json + merges.txt). */
describe("prompt inspector", () => {
  const entry = CATALOG.find((e): e is HubCatalogEntry => e.kind === "hub" && e.manifest.id === "sd-turbo")!;
  const inspect = createPromptInspector(
    async () => twinSource(entry, entry.manifest.variants[0].id),
    async () => entry.manifest,
  );
  const target = { modelId: "sd-turbo", modelBase: "", backend: "auto" as const };
  // "cat" is one token of CLIP's vocabulary: 80 of them
  const long = Array.from({ length: 80 }, () => "cat").join(" ");

  it("for plain prompts, or a model whose U-Net takes one chunk, counts to 75 and names the tail it cuts", async () => {
    for (const report of [await inspect(target, long, "plain", true), await inspect(target, long, "A1111", false)]) {
      expect([report.count, report.limit]).toEqual([80, 75]);
      expect(report.ignored?.trim()).toBe("cat cat cat cat cat");
    }
  });

  it("with A1111's syntax on a U-Net that takes chunks, counts as A1111 does (80/150) and cuts nothing", async () => {
    const report = await inspect(target, long, "A1111", true);
    expect([report.count, report.limit]).toEqual([80, 150]);
    expect(report.ignored).toBeUndefined();
  });
});
