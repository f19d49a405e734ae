import { describe, expect, it } from "vitest";
import { limitsFor, SAMPLER_NAMES, validateEdit, validateParams, type GenerateParams } from "./params";
import { problemsFor } from "./ui/formSlice";
import { tinyManifest } from "./ui/fakeEngine";

const limits = { sizes: { min: 64, max: 1024, multiple: 8 }, samplers: SAMPLER_NAMES, maxSteps: 150 };
const params = (over: Partial<GenerateParams> = {}): GenerateParams => ({
  prompt: "a red star",
  negativePrompt: "",
  steps: 20,
  guidance: 7,
  seed: 1,
  width: 512,
  height: 512,
  sampler: "Euler",
  ...over,
});

describe("validateParams and control characters", () => {
  it("refuses NUL, escape and other control characters in either prompt, saying where", () => {
    expect(validateParams(params({ prompt: "a red\u0000 star" }), limits)).toEqual([
      { field: "prompt", message: "The prompt contains an invisible control character (U+0000) at position 6; delete it or retype the text." },
    ]);
    expect(validateParams(params({ negativePrompt: "blur\u001b" }), limits)[0]).toMatchObject({
      field: "negativePrompt",
      message: expect.stringMatching(/U\+001B/),
    });
    expect(validateParams(params({ prompt: "x\u0085" }), limits)[0]?.field).toBe("prompt");
  });

  it("keeps line breaks, tabs and any printable text (A1111 prompts span lines)", () => {
    expect(validateParams(params({ prompt: "a red star,\n\tBREAK\r\nblue sky, café, 星, 🙂" }), limits)).toEqual([]);
  });

  it("is what the form checks, so a pasted NUL is caught before the job is queued", () => {
    const problems = problemsFor({ manifest: tinyManifest(), params: params({ prompt: "a\u0000", width: 64, height: 64 }), batchCount: 1 });
    expect(problems.map((p) => p.field)).toEqual(["prompt"]);
  });
});

describe("validateEdit", () => {
  const image = { width: 64, height: 64, data: new Uint8Array(64 * 64 * 4) };
  const outpaint = (seam?: number) => ({ init: { image, fit: "crop", outpaint: { left: 0, right: 32, top: 0, bottom: 0, seam } } });

  it("refuses an outpainting seam that is not a whole number from 0 to 64", () => {
    for (const seam of [-1, 1.5, 65]) {
      expect(validateEdit(outpaint(seam), params({ width: 96, height: 64 }), limits)).toEqual([
        { field: "outpaint", message: "The outpainting seam must be a whole number of pixels from 0 to 64." },
      ]);
    }
    for (const seam of [undefined, 0, 8, 64]) expect(validateEdit(outpaint(seam), params({ width: 96, height: 64 }), limits)).toEqual([]);
  });
});

describe("limitsFor", () => {
  it("gives a model's own sizes with the steps (A1111's slider: 150) and samplers every model shares", () => {
    expect(limitsFor(tinyManifest())).toEqual({ sizes: { native: 64, min: 64, max: 256, multiple: 16 }, samplers: SAMPLER_NAMES, maxSteps: 150 });
  });
});
