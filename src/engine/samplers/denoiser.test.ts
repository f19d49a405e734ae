import { describe, expect, it } from "vitest";
import { blendKnown, createDenoiser, denoisedFromModelOutput, guide, modelInputScale, toD, type ModelCall } from "./denoiser";

/**
 * diffusers' numbers (tools/reference/denoiser_reference.py): EulerDiscreteScheduler for SD 1.5's schedule, 20 steps,
 * step 7 (t = 601, σ = 2.2928547859191895); its scale_model_input, the pipeline's guidance line at g = 7.5, and its
 * step's pred_original_sample for each prediction type; to_d from that estimate. The scheduler computes in float32
 * (float32 σ, and its step upcasts the sample), so ours agree to float32 precision: 6 digits.
 */
const REF = {
  x: [0.7, -1.3, 2.1, -0.05],
  uncond: [0.2, -0.4, 0.9, 0.1],
  cond: [0.3, -0.1, 0.6, -0.2],
  guidance: 7.5,
  timestep: 601,
  sigma: 2.2928547859191895,
  modelInput: [0.27983923420459283, -0.5197014349513868, 0.8395177026137786, -0.01998851672889949],
  guided: [0.95, 1.85, -1.35, -2.15],
  epsilon: { denoised: [-1.4782120585441585, -5.541781306266786, 5.195353865623476, 4.8796377889812] },
  v_prediction: {
    denoised: [-0.7589131131768224, -1.9034995317459111, 1.5730449289083486, 1.9627320941537623],
    toD: [0.636286747044015, 0.2632087890834187, 0.22982487784563246, -0.8778279839239239],
  },
};

function expectClose(actual: ArrayLike<number>, expected: number[], digits: number): void {
  expect(actual).toHaveLength(expected.length);
  expected.forEach((v, j) => expect(actual[j]).toBeCloseTo(v, digits));
}

/** A U-Net stand-in that records its inputs and answers [uncond, cond] (or cond alone in a batch of one). */
function fakeModel(): { model: ModelCall; calls: { input: Float32Array; batch: number; timestep: number }[] } {
  const calls: { input: Float32Array; batch: number; timestep: number }[] = [];
  const model: ModelCall = async (input, batch, timestep) => {
    calls.push({ input, batch, timestep });
    return Float32Array.from(batch === 2 ? [...REF.uncond, ...REF.cond] : REF.cond);
  };
  return { model, calls };
}

describe("the denoiser's parts", () => {
  it("scales the input as diffusers' scale_model_input", () => {
    expectClose(
      REF.x.map((v) => v * modelInputScale(REF.sigma)),
      REF.modelInput,
      6,
    );
  });

  it("combines a guidance batch as diffusers' pipeline does", () => {
    expectClose(guide(Float32Array.from([...REF.uncond, ...REF.cond]), REF.guidance), REF.guided, 6);
  });

  it.each(["epsilon", "v_prediction"] as const)("turns a %s prediction into diffusers' pred_original_sample", (type) => {
    const out = denoisedFromModelOutput(Float64Array.from(REF.x), Float64Array.from(REF.guided), REF.sigma, type);
    expectClose(out, REF[type].denoised, 6);
  });

  it("takes k-diffusion's to_d: ε back from an epsilon estimate, and the ODE slope from a v one", () => {
    const x = Float64Array.from(REF.x);
    expectClose(toD(x, Float64Array.from(REF.epsilon.denoised), REF.sigma), REF.guided, 6);
    expectClose(toD(x, Float64Array.from(REF.v_prediction.denoised), REF.sigma), REF.v_prediction.toD, 6);
    expect(toD(Float32Array.of(1), Float32Array.of(0), 2)).toEqual(Float32Array.of(0.5));
  });

  it("inverts a VP sample for both prediction types", () => {
    // x_vp = √ᾱ·x0 + √(1 − ᾱ)·ε is x_σ = x_vp / √ᾱ = x0 + σ·ε in σ space, σ² = (1 − ᾱ) / ᾱ;
    // v = √ᾱ·ε − √(1 − ᾱ)·x0
    const alphaBar = 0.3;
    const sigma = Math.sqrt((1 - alphaBar) / alphaBar);
    const x0 = Float64Array.of(0.5, -1.25, 2);
    const eps = Float64Array.of(-0.3, 0.8, 1.1);
    const x = x0.map((v, j) => v + sigma * eps[j]);
    const v = x0.map((s, j) => Math.sqrt(alphaBar) * eps[j] - Math.sqrt(1 - alphaBar) * s);
    expectClose(denoisedFromModelOutput(x, eps, sigma, "epsilon"), [...x0], 12);
    expectClose(denoisedFromModelOutput(x, v, sigma, "v_prediction"), [...x0], 12);
  });

  it("blends the known latent outside the mask, one mask value per position of every channel", () => {
    const denoised = Float32Array.of(1, 2, 3, 4);
    blendKnown(denoised, { mask: Float32Array.of(1, 0.25), latent: Float32Array.of(10, 20, 30, 40) });
    expect([...denoised]).toEqual([1, 0.25 * 2 + 0.75 * 20, 3, 0.25 * 4 + 0.75 * 40]);
  });
});

describe("createDenoiser", () => {
  it.each(["epsilon", "v_prediction"] as const)("runs one guided batch and returns diffusers' estimate (%s)", async (type) => {
    const { model, calls } = fakeModel();
    const denoise = createDenoiser(model, { predictionType: type, guidance: REF.guidance });
    const out = await denoise(Float32Array.from(REF.x), { sigma: REF.sigma, timestep: REF.timestep });
    expect(calls.map((c) => [c.batch, c.timestep])).toEqual([[2, REF.timestep]]);
    expectClose(calls[0].input.subarray(0, 4), REF.modelInput, 6);
    expectClose(calls[0].input.subarray(4), REF.modelInput, 6);
    expect(out).toBeInstanceOf(Float32Array);
    expectClose(out, REF[type].denoised, 5);
  });

  it("runs a batch of one without guidance", async () => {
    const { model, calls } = fakeModel();
    const out = await createDenoiser(model, { predictionType: "epsilon" })(Float64Array.from(REF.x), { sigma: REF.sigma, timestep: 1 });
    expect(calls[0].batch).toBe(1);
    expectClose(
      out,
      REF.x.map((v, j) => v - REF.sigma * REF.cond[j]),
      6,
    );
  });

  it("keeps the source where the mask says keep", async () => {
    const { model } = fakeModel();
    const known = { mask: Float32Array.of(1, 0, 1, 0), latent: Float32Array.of(9, 8, 7, 6) };
    const out = await createDenoiser(model, { predictionType: "epsilon", guidance: REF.guidance, known })(Float32Array.from(REF.x), {
      sigma: REF.sigma,
      timestep: REF.timestep,
    });
    expectClose(out, [REF.epsilon.denoised[0], 8, REF.epsilon.denoised[2], 6], 5);
  });
});
