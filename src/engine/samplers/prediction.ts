import type { PredictionType } from "../../schedulerConfig";
import type { Latent } from "./types";

/** c_in of the σ-space denoiser: the U-Net sees x / sqrt(σ² + 1), the VP-space latent (Karras et al. 2022, Table 1). */
export function modelInputScale(sigma: number): number {
  return 1 / Math.sqrt(sigma * sigma + 1);
}

/**
 * The clean-latent estimate x0 from the U-Net's output at σ-space latent x.
 * epsilon: x0 = x − σ·ε.  v_prediction (Salimans & Ho 2022): x0 = x / (σ² + 1) − v·σ / sqrt(σ² + 1).
 */
export function denoisedFromModelOutput(x: Latent, modelOut: Latent, sigma: number, predictionType: PredictionType): Latent {
  const out = x.slice();
  if (predictionType === "epsilon") {
    for (let j = 0; j < out.length; j++) out[j] = x[j] - sigma * modelOut[j];
  } else {
    const skip = 1 / (sigma * sigma + 1);
    const scale = sigma / Math.sqrt(sigma * sigma + 1);
    for (let j = 0; j < out.length; j++) out[j] = x[j] * skip - modelOut[j] * scale;
  }
  return out;
}
