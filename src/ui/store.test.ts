import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import { InvalidParamsError } from "../errors";
import { openGallery } from "../gallery/galleryDb";
import { fakeEngine, flush, tinyManifest, until } from "./fakeEngine";
import { createAppStore, type JobEvent } from "./store";

function setup() {
  const { engine, started } = fakeEngine();
  const store = createAppStore({ engine, model: { id: "m", name: "M", base: "http://x/m" } });
  store.getState().setManifest(tinyManifest());
  store.getState().setParam("steps", 4);
  const queueOf = () => store.getState().queue.map((j) => j.params.prompt);
  const add = (prompt: string) => {
    store.getState().setParam("prompt", prompt);
    return store.getState().generate()[0];
  };
  return { store, started, queueOf, add };
}

describe("the queue in the store", () => {
  it("runs one job at a time, in order, and the next as soon as one ends", async () => {
    const { store, started, queueOf, add } = setup();
    for (const p of ["one", "two", "three"]) add(p);
    expect(started.map((s) => s.job.params.prompt)).toEqual(["one"]);
    expect(queueOf()).toEqual(["two", "three"]);
    started[0].finish();
    await flush();
    expect(started.map((s) => s.job.params.prompt)).toEqual(["one", "two"]);
    started[1].finish();
    await flush();
    started[2].finish();
    await flush();
    const s = store.getState();
    expect(s.images.map((i) => i.params.prompt)).toEqual(["one", "two", "three"]);
    expect(s.current).toBeUndefined();
    expect(s.tally).toEqual({ jobsDone: 3, stepsDone: 12 });
    expect(s.phase).toBe("done");
  });

  it("reorders and removes waiting jobs without touching the running one", async () => {
    const { store, started, queueOf, add } = setup();
    const ids = ["a", "b", "c", "d"].map(add);
    store.getState().moveJob(ids[3], -1);
    expect(queueOf()).toEqual(["b", "d", "c"]);
    expect(store.getState().cancelJob(ids[3])).toBe(true);
    expect(queueOf()).toEqual(["b", "c"]);
    expect(store.getState().cancelJob(ids[3])).toBe(false);
    expect(started).toHaveLength(1);
    started[0].finish();
    await flush();
    expect(started.map((s) => s.job.params.prompt)).toEqual(["a", "b"]);
  });

  it("skips the running job and goes on with the next", async () => {
    const { store, started, add } = setup();
    const [first] = [add("a"), add("b")];
    store.getState().cancelJob(first);
    await flush();
    expect(started[0].cancelled).toBe(true);
    expect(started.map((s) => s.job.params.prompt)).toEqual(["a", "b"]);
    expect(store.getState().current?.params.prompt).toBe("b");
  });

  it("cancel stops the running job only; the waiting jobs go on", async () => {
    const { store, started, queueOf, add } = setup();
    ["a", "b", "c"].forEach(add);
    store.getState().cancel();
    await flush();
    expect(started[0].cancelled).toBe(true);
    expect(started.map((s) => s.job.params.prompt)).toEqual(["a", "b"]);
    expect(queueOf()).toEqual(["c"]);
  });

  it("clear queue drops the waiting jobs and leaves the running one", async () => {
    const { store, started, add } = setup();
    ["a", "b", "c"].forEach(add);
    store.getState().clearQueue();
    expect(store.getState().queue).toEqual([]);
    expect(started[0].cancelled).toBe(false);
    store.getState().cancel();
    await flush();
    expect(started).toHaveLength(1);
    expect(store.getState().phase).toBe("cancelled");
    expect(store.getState().statusText).toBe("Cancelled.");
  });

  it("announces a job's start, each quarter of its steps and its end, not every step", async () => {
    const { store, started, add } = setup();
    store.getState().setParam("steps", 8);
    add("a");
    const heard: string[] = [];
    store.subscribe((s, before) => {
      if (s.announcement !== before.announcement) heard.push(s.announcement);
    });
    expect(store.getState().announcement).toBe("Started.");
    for (let step = 1; step <= 8; step++) started[0].handlers.onProgress?.({ step, steps: 8, elapsedMs: step });
    started[0].finish();
    await flush();
    expect(heard).toEqual(["25 % done.", "50 % done.", "75 % done.", "Done in 0.01 s — seed " + started[0].job.params.seed + "."]);
  });

  it("queues a batch of N seeds counting up from the form's seed", () => {
    const { store } = setup();
    store.getState().applySettings({ seed: 500 });
    store.getState().setBatchCount(4);
    store.getState().generate();
    const s = store.getState();
    expect([s.current, ...s.queue].map((j) => j?.params.seed)).toEqual([500, 501, 502, 503]);
  });

  it("draws one random start seed for a random batch", () => {
    const { store } = setup();
    expect(store.getState().params.seed).toBe(-1);
    store.getState().setBatchCount(3);
    store.getState().generate();
    const s = store.getState();
    const seeds = [s.current, ...s.queue].map((j) => j?.params.seed ?? -1);
    expect(seeds[0]).toBeGreaterThanOrEqual(0);
    expect(seeds).toEqual([seeds[0], seeds[0] + 1, seeds[0] + 2]);
  });

  it("draws a new seed for each Generate by default, as A1111's −1 does", () => {
    const { store } = setup();
    store.getState().generate();
    store.getState().generate();
    const s = store.getState();
    const seeds = [s.current, ...s.queue].map((j) => j?.params.seed ?? -1);
    expect(seeds.every((seed) => Number.isInteger(seed) && seed >= 0)).toBe(true);
    expect(seeds[0]).not.toBe(seeds[1]);
    expect(s.params.seed).toBe(-1);
  });

  it("refuses bad settings in the form without queuing", () => {
    const { store } = setup();
    store.getState().setParam("steps", 0);
    expect(store.getState().generate()).toEqual([]);
    expect(store.getState().formProblems.map((p) => p.field)).toEqual(["steps"]);
    expect(store.getState().current).toBeUndefined();
  });

  it("tells a job's listener what happens to it, and goes on after an error", async () => {
    const { store, started } = setup();
    const events: JobEvent["kind"][] = [];
    const params = { ...store.getState().params, prompt: "x" };
    store.getState().enqueue(
      [
        { id: "e1", params },
        { id: "e2", params },
        { id: "e3", params },
      ],
      (e) => events.push(e.kind),
    );
    started[0].handlers.onProgress?.({ step: 1, steps: 4, elapsedMs: 5 });
    started[0].fail(new InvalidParamsError("Steps must be a whole number from 1 to 150.", { field: "steps" }));
    await flush();
    store.getState().cancelJob("e3");
    started[1].finish();
    await flush();
    expect(events).toEqual(["started", "progress", "error", "started", "cancelled", "result"]);
    expect(store.getState().error).toEqual({ name: "InvalidParamsError", message: "Steps must be a whole number from 1 to 150." });
  });

  it("pins a picked image until the next job starts", async () => {
    const { store, started, add } = setup();
    add("a");
    started[0].finish();
    await flush();
    add("b");
    store.getState().select(0);
    expect(store.getState().pinned).toBe(true);
    started[1].finish();
    await flush();
    add("c");
    expect(store.getState().pinned).toBe(false);
  });
});

describe("the gallery in the store", () => {
  /** A store whose gallery (IndexedDB database `db`) holds `count` finished images, seeds counting up from `seed`. */
  async function storeWithImages(db: string, count: number, settings: { seed: number; prompt: string }) {
    const { engine, started } = fakeEngine();
    const store = createAppStore({ engine, model: { id: "m", name: "M", base: "http://x/m" }, gallery: openGallery(db) });
    store.getState().setManifest(tinyManifest());
    store.getState().applySettings({ steps: 2, ...settings });
    store.getState().setBatchCount(count);
    store.getState().generate();
    for (let i = 0; i < count; i++) {
      started[i].finish();
      await flush();
    }
    await until(() => store.getState().galleryCount === count);
    return store;
  }

  it("keeps every finished image, and frees its storage when it is deleted", async () => {
    const store = await storeWithImages("store-test-gallery", 2, { seed: 10, prompt: "kept" });
    const s = store.getState();
    expect(s.galleryItems.map((i) => [i.params.prompt, i.params.seed])).toEqual([
      ["kept", 11],
      ["kept", 10],
    ]);
    const bytes = s.galleryBytes;
    expect(bytes).toBeGreaterThan(0);
    await s.deleteFromGallery(s.galleryItems[0]);
    // hidden at once; storage is freed when the undo time ends
    expect(store.getState().galleryItems.map((i) => i.params.seed)).toEqual([10]);
    expect(store.getState().galleryCount).toBe(1);
    await store.getState().finishGalleryDelete();
    expect(store.getState().galleryCount).toBe(1);
    expect(store.getState().galleryBytes).toBeLessThan(bytes);
    expect(store.getState().galleryStatus).toBe("ready");
    await store.getState().loadGalleryPage(0);
    expect(store.getState().galleryItems.map((i) => i.params.seed)).toEqual([10]);
  });

  it("brings a deleted image back on undo, and a second delete ends the first one's undo time", async () => {
    const store = await storeWithImages("store-test-undo", 3, { seed: 20, prompt: "undo" });
    const seeds = () => store.getState().galleryItems.map((i) => i.params.seed);
    await store.getState().deleteFromGallery(store.getState().galleryItems[1]);
    expect(seeds()).toEqual([22, 20]);
    await store.getState().undoGalleryDelete();
    expect(seeds()).toEqual([22, 21, 20]);
    expect(store.getState().galleryCount).toBe(3);

    await store.getState().deleteFromGallery(store.getState().galleryItems[0]);
    await store.getState().deleteFromGallery(store.getState().galleryItems[0]);
    expect(seeds()).toEqual([20]);
    await store.getState().undoGalleryDelete();
    // only the last delete can be undone: seed 22 has left storage
    expect(seeds()).toEqual([21, 20]);
    expect(store.getState().galleryCount).toBe(2);
  });
});
