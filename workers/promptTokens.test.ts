import { describe, expect, it } from "vitest";
import { CATALOG, type HubCatalogEntry } from "../src/models/catalog";
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

  it("counts a CLIP model's tokens and names the tail beyond its 75", async () => {
    // "cat" is one token of CLIP's vocabulary: 80 of them
    const long = Array.from({ length: 80 }, () => "cat").join(" ");
    const report = await inspect(target, long);
    expect([report.count, report.limit]).toEqual([80, 75]);
    expect(report.ignored?.trim()).toBe("cat cat cat cat cat");
    expect(report.vocabulary).toBeUndefined();
  });
});
