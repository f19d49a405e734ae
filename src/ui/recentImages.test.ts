import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeEngine, flush, tinyManifest, until } from "./fakeEngine";
import { MAX_RECENT } from "./queueSlice";
import { createAppStore } from "./store";

afterEach(() => vi.restoreAllMocks());

describe("this visit's images", () => {
  it(`keeps the newest ${MAX_RECENT} in memory and lets go of each older one's PNG and object URL`, async () => {
    const revoked: string[] = [];
    const revoke = URL.revokeObjectURL.bind(URL);
    vi.spyOn(URL, "revokeObjectURL").mockImplementation((url) => (revoked.push(url), revoke(url)));
    const { engine, started } = fakeEngine();
    const store = createAppStore({ engine, model: { id: "m", name: "M", base: "http://x/m" } });
    store.getState().setManifest(tinyManifest());

    const made = MAX_RECENT + 5;
    const urls: string[] = [];
    for (let i = 0; i < made; i++) {
      store.getState().applySettings({ steps: 1, seed: i + 1 });
      store.getState().generate();
      await until(() => started.length > i);
      started[i].finish();
      await until(() => store.getState().images.length === Math.min(i + 1, MAX_RECENT) && store.getState().current === undefined);
      urls.push(store.getState().images.at(-1)!.url);
      await flush();
    }
    const { images, selected } = store.getState();
    expect(images.map((image) => image.seed)).toEqual(Array.from({ length: MAX_RECENT }, (_, k) => made - MAX_RECENT + k + 1));
    expect(selected).toBe(MAX_RECENT - 1);
    // exactly the URLs of the images that left, and none still shown
    expect(revoked).toEqual(urls.slice(0, made - MAX_RECENT));
  });
});
