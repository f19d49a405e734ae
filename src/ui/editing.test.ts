import { describe, expect, it } from "vitest";
import { DEFAULT_STRENGTH, type GenerateParams } from "../params";
import { tilingProblem } from "../params";
import { editedJob, NO_MARGINS, sizeForSource, type EditState } from "./editing";
import { emptyMask, MASKED } from "./maskPaint";
import { plannedSteps } from "./queue";
import { dimensionProblem, fileSizeProblem, MAX_SOURCE_BYTES, pngHeaderSize } from "./sourceImage";

const sizes = { min: 64, max: 256, multiple: 16 };
const params: GenerateParams = { prompt: "p", negativePrompt: "", steps: 10, guidance: 4, seed: 1, width: 64, height: 64, sampler: "Euler" };
const image = { width: 64, height: 48, data: new Uint8Array(64 * 48 * 4) };
const state = (patch: Partial<EditState> = {}): EditState => ({
  mode: "img2img",
  source: { name: "cat.png", image },
  fit: "crop",
  mask: emptyMask(64, 48),
  maskBlur: 4,
  outpaint: NO_MARGINS,
  outpaintSeam: 8,
  ...patch,
});

describe("sizeForSource", () => {
  // a source's width and height → the size asked of a model that takes 64 to 256 px in steps of 16
  it.each([
    ["keeps a source size the model allows", 64, 64, 64, 64],
    ["keeps a source size the model allows", 256, 128, 256, 128],
    ["rounds to the size multiple", 100, 70, 96, 64],
    ["scales a large source down to the limits, keeping its shape", 1024, 512, 256, 128],
    ["scales a large source down to the limits, keeping its shape", 3000, 4000, 192, 256],
    ["scales a small source up to the minimum", 32, 32, 64, 64],
    ["scales a small source up to the minimum", 16, 32, 64, 128],
    ["clamps a shape the limits cannot hold", 2000, 10, 256, 64],
  ])("%s: %i×%i → %i×%i", (_, sourceWidth, sourceHeight, width, height) => {
    expect(sizeForSource(sourceWidth, sourceHeight, sizes)).toEqual({ width, height });
  });
});

describe("editedJob", () => {
  it("sends no strength and no source for text to image", () => {
    const job = editedJob(state({ mode: "txt2img" }), { ...params, denoisingStrength: 0.4 }, sizes);
    expect(job).toEqual({ params, problems: [] });
  });

  it("asks for a source in the image modes", () => {
    for (const mode of ["img2img", "inpaint", "outpaint"] as const) {
      const job = editedJob(state({ mode, source: undefined }), params, sizes);
      expect(job.problems.map((p) => p.field)).toEqual(["source"]);
      expect(job.init).toBeUndefined();
    }
  });

  it("img2img: the source, the fit and A1111's default strength", () => {
    const job = editedJob(state({ fit: "pad" }), params, sizes);
    expect(job.problems).toEqual([]);
    expect(job.params.denoisingStrength).toBe(DEFAULT_STRENGTH);
    expect(job.init).toEqual({ image, fit: "pad" });
  });

  it("inpaint: refuses an empty mask, then sends the painted one with its blur", () => {
    expect(editedJob(state({ mode: "inpaint" }), params, sizes).problems.map((p) => p.field)).toEqual(["mask"]);
    const mask = emptyMask(64, 48);
    mask.data[10] = MASKED;
    const job = editedJob(state({ mode: "inpaint", mask, maskBlur: 2 }), { ...params, denoisingStrength: 0.6 }, sizes);
    expect(job.problems).toEqual([]);
    expect(job.init).toEqual({ image, fit: "crop", mask: mask.data, maskBlur: 2 });
    expect(job.params.denoisingStrength).toBe(0.6);
  });

  it("refuses a mask blur out of range", () => {
    const mask = emptyMask(64, 48).data.fill(MASKED);
    const job = editedJob(state({ mode: "inpaint", mask: { width: 64, height: 48, data: mask }, maskBlur: Number.NaN }), params, sizes);
    expect(job.problems.map((p) => p.field)).toEqual(["maskBlur"]);
  });

  it("outpaint: the generation size is the source's (brought to an allowed size) plus the margins", () => {
    const job = editedJob(state({ mode: "outpaint", outpaint: { ...NO_MARGINS, right: 64 } }), params, sizes);
    expect(job.problems).toEqual([]);
    // 64×48 is under the model's minimum, so the source is first scaled to 80×64
    expect([job.params.width, job.params.height]).toEqual([80 + 64, 64]);
    expect(job.init?.outpaint).toEqual({ left: 0, right: 64, top: 0, bottom: 0, seam: 8 });
    expect(job.init?.mask).toBeUndefined();
  });

  it("outpaint: margins must be steps of the size multiple, extend something, and fit the model", () => {
    const problem = (outpaint: EditState["outpaint"]) => editedJob(state({ mode: "outpaint", outpaint }), params, sizes).problems[0]?.message;
    expect(problem({ ...NO_MARGINS, left: 10 })).toMatch(/steps of 16/);
    expect(problem(NO_MARGINS)).toMatch(/at least one side/);
    const seamProblem = (outpaintSeam: number) =>
      editedJob(state({ mode: "outpaint", outpaint: { ...NO_MARGINS, right: 16 }, outpaintSeam }), params, sizes).problems;
    expect(seamProblem(0)).toEqual([]);
    expect(seamProblem(65)).toEqual([{ field: "outpaintSeam", message: "The seam must be a whole number of pixels from 0 to 64." }]);
    expect(problem({ ...NO_MARGINS, left: 128, right: 128 })).toBe(
      "Outpainting would make the image 336×64, but this model makes at most 256×256 pixels: extend by less.",
    );
  });
});

describe("tilingProblem", () => {
  it("accepts the defaults and refuses an overlap over half the tile", () => {
    expect(tilingProblem({ mode: "auto", tile: 32, overlap: 8 })).toBeUndefined();
    expect(tilingProblem({ mode: "on", tile: 32, overlap: 20 })?.message).toMatch(/overlap/);
    expect(tilingProblem({ mode: "on", tile: 4, overlap: 0 })?.message).toMatch(/tile size/);
  });
});

describe("plannedSteps", () => {
  it("counts ⌊steps × strength⌋ for an edit job and every step otherwise", () => {
    const edit = { mode: "img2img" as const, sourceName: "x", init: { image, fit: "crop" as const } };
    expect(plannedSteps({ id: "a", params: { ...params, denoisingStrength: 0.3 }, edit })).toBe(3);
    expect(plannedSteps({ id: "b", params: { ...params, denoisingStrength: 0.3 } })).toBe(10);
    // LCM shortens its schedule instead of skipping steps
    expect(plannedSteps({ id: "c", params: { ...params, sampler: "LCM", denoisingStrength: 0.3 }, edit })).toBe(10);
  });
});

describe("source file checks", () => {
  it("refuses empty and huge files and images too large to edit, in words", () => {
    expect(fileSizeProblem("a.png", 0)).toBe("“a.png” is empty.");
    expect(fileSizeProblem("a.png", MAX_SOURCE_BYTES + 1)).toMatch(/too large to open/);
    expect(fileSizeProblem("a.png", 1000)).toBeUndefined();
    expect(dimensionProblem("b.png", 5000, 10)).toMatch(/too large to edit \(5000×10 pixels/);
    expect(dimensionProblem("b.png", 4096, 4096)).toBeUndefined();
  });

  it("reads a PNG's size from its header, and nothing from other files", () => {
    const head = Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0x4e, 0x20, 0, 0, 0, 7);
    expect(pngHeaderSize(head)).toEqual({ width: 20000, height: 7 });
    expect(pngHeaderSize(new TextEncoder().encode("not a png file, just some text"))).toBeUndefined();
  });
});
