import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import { openGallery, type Gallery } from "../gallery/galleryDb";
import { fakeEngine, flush, tinyManifest, until } from "./fakeEngine";
import { GALLERY_PAGE_SIZE } from "./gallerySlice";
import { createAppStore } from "./store";

describe("saving to the gallery", () => {
  it("puts each new image on top of the first page without reading the page back, and keeps one URL per thumbnail", async () => {
    const real = openGallery("gallery-save-test");
    let pageReads = 0;
    const gallery: Gallery = { ...real, page: (...args) => ((pageReads += 1), real.page(...args)) };
    const { engine, started } = fakeEngine();
    const store = createAppStore({ engine, model: { id: "m", name: "M", base: "http://x/m" }, gallery });
    store.getState().setManifest(tinyManifest());
    await store.getState().loadGalleryPage(0);
    const readsAtStart = pageReads;

    const made = GALLERY_PAGE_SIZE + 2;
    for (let i = 0; i < made; i++) {
      store.getState().applySettings({ steps: 1, seed: i + 1 });
      store.getState().generate();
      await until(() => started.length > i);
      started[i].finish();
      await until(() => store.getState().galleryCount === i + 1);
      await flush();
    }
    const s = store.getState();
    expect(pageReads).toBe(readsAtStart);
    expect(s.galleryItems).toHaveLength(GALLERY_PAGE_SIZE);
    // newest first, as a page read gives them
    expect(s.galleryItems[0].params.seed).toBe(made);
    expect(s.galleryItems.map((i) => i.params.seed)).toEqual((await real.page(0, GALLERY_PAGE_SIZE)).map((r) => r.params.seed));
    expect(new Set(s.galleryItems.map((i) => i.thumbUrl)).size).toBe(GALLERY_PAGE_SIZE);
  });
});
