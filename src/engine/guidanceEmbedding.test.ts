import { describe, expect, it } from "vitest";
import reference from "./__fixtures__/guidance_embedding.json";
import { guidanceScaleEmbedding } from "./guidanceEmbedding";

describe("guidanceScaleEmbedding", () => {
  it.each(reference.cases)("equals diffusers' get_guidance_scale_embedding for guidance $guidance, width $dim", ({ guidance, dim, values }) => {
    const ours = guidanceScaleEmbedding(guidance, dim);
    expect(ours.length).toBe(values.length);
    // angles reach 7000 rad, where one float32 ulp (torch's exp may round the other way) moves sin by 4.9e-4
    for (let i = 0; i < values.length; i++) expect(Math.abs(ours[i] - values[i]), `entry ${i}`).toBeLessThan(5e-4);
  });
});
