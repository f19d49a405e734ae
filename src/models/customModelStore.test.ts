import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import type { CustomModelEntry } from "./customModel";
import { openCustomModelStore } from "./customModelStore";

let dbCount = 0;
const entry = (id: string, addedAt: number): CustomModelEntry =>
  ({
    kind: "hub",
    manifest: { id, name: id },
    source: { hub: "hf", repo: "a/b", revision: "main" },
    downloadBytes: {},
    custom: { input: id, inferred: false, addedAt },
  }) as unknown as CustomModelEntry;

describe("custom model store", () => {
  it("keeps entries across openings, oldest first, replacing by id, until deleted", async () => {
    const name = `custom-test-${++dbCount}`;
    const first = await openCustomModelStore(name);
    await first?.put(entry("custom--b", 2));
    await first?.put(entry("custom--a", 1));
    await first?.put({ ...entry("custom--b", 3), downloadBytes: { fp32: 9 } });

    const again = await openCustomModelStore(name);
    expect((await again?.list())?.map((e) => [e.manifest.id, e.custom.addedAt])).toEqual([
      ["custom--a", 1],
      ["custom--b", 3],
    ]);
    expect((await again?.get("custom--b"))?.downloadBytes).toEqual({ fp32: 9 });
    await again?.delete("custom--a");
    expect((await first?.list())?.map((e) => e.manifest.id)).toEqual(["custom--b"]);
    expect(await first?.get("custom--a")).toBeUndefined();
  });
});
