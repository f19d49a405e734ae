import { f32 } from "./samplers/numerics";

/**
 * The guidance-scale embedding LCM-distilled U-Nets take as `timestep_cond` instead of a classifier-free guidance
 * batch (Luo et al. 2023; diffusers' LatentConsistencyModelPipeline.get_guidance_scale_embedding, after VDM's
 * sinusoidal embedding): w = guidance − 1, scaled by 1000, sines then cosines of w·10000^(−k/(half−1)), in float32.
 */
export function guidanceScaleEmbedding(guidance: number, dim: number): Float32Array {
  const w = f32(f32(guidance - 1) * 1000);
  const half = Math.floor(dim / 2);
  const step = f32(f32(Math.log(10000)) / (half - 1));
  const out = new Float32Array(dim); // an odd width keeps its last entry 0, as diffusers pads it
  for (let k = 0; k < half; k++) {
    const angle = f32(w * f32(Math.exp(f32(-k * step))));
    out[k] = Math.sin(angle);
    out[half + k] = Math.cos(angle);
  }
  return out;
}
