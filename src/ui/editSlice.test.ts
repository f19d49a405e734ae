import { describe, expect, it } from "vitest";
import type { RgbaImageMessage } from "../protocol";
import { fakeEngine, flush, tinyManifest } from "./fakeEngine";
import { MASKED } from "./maskPaint";
import { SourceImageError } from "./sourceImage";
import { createAppStore } from "./store";

const picture = (width: number, height: number, fill = 100): RgbaImageMessage => ({
  width,
  height,
  data: new Uint8Array(width * height * 4).fill(fill),
});

function setup(decodeImage?: (file: Blob, name: string) => Promise<RgbaImageMessage>) {
  const { engine, started } = fakeEngine();
  const store = createAppStore({ engine, model: { id: "m", name: "M", base: "http://x/m" }, decodeImage });
  store.getState().setManifest(tinyManifest());
  store.getState().applySettings({ steps: 10, prompt: "a red star" });
  return { store, started };
}

describe("editing in the store", () => {
  it("a new source sets the generation size (nearest allowed) and a fresh mask", () => {
    const { store } = setup();
    store.getState().setSource("wide.png", picture(1024, 512));
    const s = store.getState();
    expect([s.params.width, s.params.height]).toEqual([256, 128]);
    expect(s.mask && [s.mask.width, s.mask.height, s.mask.data.every((v) => v === 0)]).toEqual([1024, 512, true]);
  });

  it("inpainting needs a painted mask; the job then carries the source, mask, blur and tiling", () => {
    const { store, started } = setup();
    const s = store.getState();
    s.setMode("inpaint");
    s.setSource("src.png", picture(64, 64));
    expect(store.getState().generate()).toEqual([]);
    expect(store.getState().formProblems.map((p) => p.field)).toEqual(["mask"]);

    store.getState().invertMask();
    store.getState().setMaskBlur(2);
    store.getState().setParam("denoisingStrength", 0.5);
    expect(store.getState().generate()).toHaveLength(1);
    const { job } = started[0];
    expect(job.params.denoisingStrength).toBe(0.5);
    expect(job.init?.mask?.every((v) => v === MASKED)).toBe(true);
    expect(job.init?.maskBlur).toBe(2);
    expect(job.tiling).toEqual({ mode: "auto", tile: 32, overlap: 8 });
  });

  it("queued jobs keep their own source and mode when the form changes", async () => {
    const { store, started } = setup();
    store.getState().setMode("img2img");
    store.getState().setSource("first.png", picture(64, 64, 1));
    store.getState().generate();
    store.getState().generate();
    store.getState().setSource("second.png", picture(64, 64, 2));
    store.getState().setMode("outpaint");
    store.getState().setMargin("right", 64);
    store.getState().generate();
    expect(store.getState().queue.map((j) => [j.edit?.mode, j.edit?.sourceName])).toEqual([
      ["img2img", "first.png"],
      ["outpaint", "second.png"],
    ]);
    started[0].finish();
    await flush();
    expect(started[1].job.init?.image.data[0]).toBe(1);
    started[1].finish();
    await flush();
    expect(started[2].job.init?.outpaint).toEqual({ left: 0, right: 64, top: 0, bottom: 0, seam: 8 });
    expect([started[2].job.params.width, started[2].job.params.height]).toEqual([128, 64]);
  });

  it("outpainting past the model's size is refused in words, not as a bad width", () => {
    const { store } = setup();
    store.getState().setMode("outpaint");
    store.getState().setSource("src.png", picture(256, 64));
    store.getState().setMargin("left", 32);
    expect(store.getState().generate()).toEqual([]);
    expect(store.getState().formProblems).toEqual([
      { field: "outpaint", message: "Outpainting would make the image 288×64, but this model makes at most 256×256 pixels: extend by less." },
    ]);
  });

  it("text to image jobs carry no strength and no source", () => {
    const { store, started } = setup();
    store.getState().setSource("src.png", picture(64, 64));
    store.getState().setParam("denoisingStrength", 0.3);
    store.getState().generate();
    expect(started[0].job.init).toBeUndefined();
    expect(started[0].job.params.denoisingStrength).toBeUndefined();
  });

  it("counts the steps the engine reports, so a partial img2img run fills the bar", async () => {
    const { store, started } = setup();
    store.getState().setMode("img2img");
    store.getState().setSource("src.png", picture(64, 64));
    store.getState().setParam("denoisingStrength", 0.3);
    store.getState().generate();
    expect(store.getState().jobSteps).toBe(3);
    started[0].handlers.onProgress?.({ step: 3, steps: 3, elapsedMs: 1 });
    started[0].finish();
    await flush();
    expect(store.getState().tally).toEqual({ jobsDone: 1, stepsDone: 3 });
  });

  it("says why a file cannot be used, and ignores a slower decode of an older file", async () => {
    const pending: ((img: RgbaImageMessage) => void)[] = [];
    const { store } = setup((_file, name) => {
      if (name === "notes.txt") return Promise.reject(new SourceImageError("“notes.txt” is not an image this browser can read."));
      return new Promise((resolve) => pending.push(resolve));
    });
    expect(await store.getState().loadSource(new Blob(["x"]), "notes.txt")).toBe(false);
    expect(store.getState().sourceError).toBe("“notes.txt” is not an image this browser can read.");

    const older = store.getState().loadSource(new Blob(["a"]), "older.png");
    const newer = store.getState().loadSource(new Blob(["b"]), "newer.png");
    pending[1](picture(64, 64));
    pending[0](picture(128, 128));
    expect([await older, await newer]).toEqual([false, true]);
    expect(store.getState().source?.name).toBe("newer.png");
    expect(store.getState().sourceError).toBeUndefined();
  });

  it("Send to img2img makes a result the source and carries its prompts over", async () => {
    const { store } = setup(() => Promise.resolve(picture(128, 64)));
    await store
      .getState()
      .sendToImg2img(new Blob(["png"]), "m-7.png", { ...store.getState().params, prompt: "a blue circle", negativePrompt: "blurry" });
    const s = store.getState();
    expect(s.mode).toBe("img2img");
    expect(s.source?.name).toBe("m-7.png");
    expect([s.params.prompt, s.params.negativePrompt, s.params.width, s.params.height]).toEqual(["a blue circle", "blurry", 128, 64]);
  });
});
