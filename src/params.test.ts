import { describe, expect, it } from "vitest";
import { SAMPLER_NAMES, validateParams, type GenerateParams } from "./params";
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
    expect(validateParams(params({ negativePrompt: "blur\u001b" }), limits)[0]).toMatchObject({ field: "negativePrompt", message: expect.stringMatching(/U\+001B/) });
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
