import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import { openGallery, type Gallery } from "../gallery/galleryDb";
import { fakeEngine, flush, tinyManifest, until } from "./fakeEngine";
import { createAppStore } from "./store";

describe("a full gallery", () => {
  it("says in the page that the image was not saved, with the storage figures at that moment and the ways out, and keeps working", async () => {
    const real = openGallery("gallery-quota-test");
    let full = true;
    const gallery: Gallery = {
      ...real,
      add: (...args) => (full ? Promise.reject(new DOMException("The quota has been exceeded.", "QuotaExceededError")) : real.add(...args)),
    };
    const { engine, started } = fakeEngine();
    const store = createAppStore({
      engine,
      model: { id: "m", name: "M", base: "http://x/m" },
      gallery,
      storageEstimate: async () => ({ usage: 150_000_000, quota: 1_220_000_000 }),
    });
    store.getState().setManifest(tinyManifest());
    store.getState().generate();
    started[0].finish();
    await until(() => store.getState().galleryMessage !== undefined);
    expect(store.getState().galleryMessage).toBe(
      "The last image was not saved to the gallery: this device's disk is full (this site stores 150 MB, within the 1.22 GB the browser would allow it). " +
        "Delete old images below, or keep them all with “Download all” (a ZIP) and then delete them; new images are saved again once there is room.",
    );
    expect(store.getState().galleryStatus).not.toBe("unavailable");

    // once there is room, the next image is saved and the message goes
    full = false;
    store.getState().generate();
    await flush();
    started[1].finish();
    await until(() => store.getState().galleryCount === 1);
    expect(store.getState().galleryMessage).toBeUndefined();
  });
});
