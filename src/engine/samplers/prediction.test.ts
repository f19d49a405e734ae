import { describe, expect, it } from "vitest";
import { denoisedFromModelOutput, modelInputScale } from "./prediction";

describe("denoisedFromModelOutput", () => {
  // a VP sample x_vp = √ᾱ·x0 + √(1 − ᾱ)·ε is x_σ = x_vp / √ᾱ = x0 + σ·ε in σ space, σ² = (1 − ᾱ) / ᾱ
  const alphaBar = 0.3;
  const sigma = Math.sqrt((1 - alphaBar) / alphaBar);
  const x0 = Float64Array.of(0.5, -1.25, 2);
  const eps = Float64Array.of(-0.3, 0.8, 1.1);
  const xVp = x0.map((v, j) => Math.sqrt(alphaBar) * v + Math.sqrt(1 - alphaBar) * eps[j]);
  const x = xVp.map((v) => v / Math.sqrt(alphaBar));

  it("inverts an epsilon prediction: x0 = x − σ·ε", () => {
    const out = denoisedFromModelOutput(x, eps, sigma, "epsilon");
    out.forEach((v, j) => expect(v).toBeCloseTo(x0[j], 12));
  });

  it("inverts a v prediction: v = √ᾱ·ε − √(1 − ᾱ)·x0", () => {
    const v = x0.map((s, j) => Math.sqrt(alphaBar) * eps[j] - Math.sqrt(1 - alphaBar) * s);
    const out = denoisedFromModelOutput(x, v, sigma, "v_prediction");
    out.forEach((value, j) => expect(value).toBeCloseTo(x0[j], 12));
  });

  it("keeps the latent's array type and scales the model input to the VP sample", () => {
    expect(denoisedFromModelOutput(Float32Array.of(1), Float32Array.of(1), 1, "epsilon")).toBeInstanceOf(Float32Array);
    expect(x[0] * modelInputScale(sigma)).toBeCloseTo(xVp[0], 12);
  });
});
