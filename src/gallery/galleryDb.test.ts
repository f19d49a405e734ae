import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import type { GenerateParams } from "../params";
import { openGallery, type NewGalleryImage } from "./galleryDb";

let dbCount = 0;
const params: GenerateParams = { prompt: "p", negativePrompt: "", steps: 2, guidance: 4, seed: 0, width: 64, height: 64, sampler: "Euler" };
const image = (seed: number): NewGalleryImage => ({
  params: { ...params, seed },
  parameters: `p\nSeed: ${seed}`,
  modelId: "m",
  width: 64,
  height: 64,
});
const blob = (size: number) => new Blob([new Uint8Array(size)], { type: "image/png" });

describe("the gallery database", () => {
  it("pages newest first, counts bytes, and deletes an image with its PNG", async () => {
    const gallery = openGallery(`gallery-test-${++dbCount}`);
    const records = [];
    for (let seed = 0; seed < 5; seed++) records.push(await gallery.add(image(seed), blob(100 + seed), blob(10)));
    expect(await gallery.stats()).toEqual({ count: 5, bytes: 100 + 101 + 102 + 103 + 104 + 5 * 10 });
    expect((await gallery.page(0, 2)).map((r) => r.params.seed)).toEqual([4, 3]);
    expect((await gallery.page(2, 2)).map((r) => r.params.seed)).toEqual([2, 1]);
    expect((await gallery.page(4, 2)).map((r) => r.params.seed)).toEqual([0]);
    expect(await gallery.page(9, 2)).toEqual([]);
    expect((await gallery.png(records[1].id))?.size).toBe(101);

    await gallery.remove(records[1]);
    expect(await gallery.stats()).toEqual({ count: 4, bytes: 100 + 102 + 103 + 104 + 4 * 10 });
    expect(await gallery.png(records[1].id)).toBeUndefined();
    expect((await gallery.page(0, 10)).map((r) => r.params.seed)).toEqual([4, 3, 2, 0]);
  });

  it("keeps images made in the same millisecond apart and in order", async () => {
    const gallery = openGallery(`gallery-test-${++dbCount}`);
    const [a, b] = await Promise.all([gallery.add(image(1), blob(1), blob(1)), gallery.add(image(2), blob(1), blob(1))]);
    expect(b.createdAt).toBeGreaterThan(a.createdAt);
    expect((await gallery.page(0, 5)).map((r) => r.params.seed)).toEqual([2, 1]);
  });
});
