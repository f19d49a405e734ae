import { ModelLoadError } from "../../errors";
import { DEFAULT_TILING, type VaeTiling } from "../../params";
import { chwToRgba, rgbaToChw } from "../image";
import type { LoadedModel } from "../loadModel";
import type { Runtime } from "../runtime";
import { runTiled } from "./tiles";

export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Bytes per output pixel of SD's VAE decoder at full resolution (128 float32 channels). */
const SD_DECODER_BYTES_PER_PIXEL = 512;

/**
 * Whether (and with which tile) to run the VAE in tiles: always for "on"; for "auto" when its
 * largest activation would not fit the backend's buffer budget (WebGPU binding limits, WASM memory).
 */
export function planTiling(
  model: LoadedModel,
  runtime: Runtime,
  latentH: number,
  latentW: number,
  tiling: VaeTiling,
): { tiled: boolean; tile: number; overlap: number } {
  const s = model.manifest.vaeScaleFactor;
  const bpp = model.manifest.vaeDecoderBytesPerPixel ?? SD_DECODER_BYTES_PER_PIXEL;
  const budget = runtime.backend.maxBufferBytes;
  const fits = (h: number, w: number) => h * s * w * s * bpp <= budget;
  if (tiling.mode === "off" || (tiling.mode === "auto" && fits(latentH, latentW))) {
    return { tiled: false, tile: Math.max(latentH, latentW), overlap: 0 };
  }
  let tile = Math.max(tiling.overlap * 2, Math.min(tiling.tile, Math.max(latentH, latentW)));
  while (tile > tiling.overlap * 2 && !fits(tile, tile)) tile -= 8;
  return { tiled: true, tile, overlap: Math.min(tiling.overlap, tile - 1) };
}

/**
 * U-Net-space latent [1,C,h,w] → RGBA image, dividing by scaling_factor as SD does. Tiled, each
 * finished pixel goes straight into the RGBA image: no whole-image float buffer is held.
 */
export async function decodeLatents(
  model: LoadedModel,
  runtime: Runtime,
  latent: ArrayLike<number>,
  dims: readonly [number, number, number, number],
  tiling: VaeTiling = DEFAULT_TILING,
  signal?: AbortSignal,
): Promise<RgbaImage> {
  const scaled = Float32Array.from(latent, (v) => v / model.manifest.scalingFactor);
  const decode = async (x: Float32Array, d: [number, number, number, number]) => {
    const out = await model.vaeDecoder.run({ latent_sample: runtime.tensor("float32", x, d) });
    return out[model.vaeDecoder.outputNames[0]].data as Float32Array;
  };
  const plan = planTiling(model, runtime, dims[2], dims[3], tiling);
  const s = model.manifest.vaeScaleFactor;
  const width = dims[3] * s;
  const height = dims[2] * s;
  if (!plan.tiled) return { width, height, data: chwToRgba(await decode(scaled, [...dims]), width, height) };
  const data = new Uint8Array(width * height * 4);
  const put = (y: number, x: number, values: Float32Array, n: number) => data.set(chwToRgba(values, n, 1), (y * width + x) * 4);
  await runTiled(scaled, dims, plan.tile, plan.overlap, s, 3, decode, put, signal);
  return { width, height, data };
}

/** RGBA image (size a multiple of the VAE factor) → U-Net-space latent: the encoder's mean × scaling_factor. */
export async function encodeImage(
  model: LoadedModel,
  runtime: Runtime,
  image: RgbaImage,
  tiling: VaeTiling = DEFAULT_TILING,
  signal?: AbortSignal,
): Promise<Float32Array> {
  if (!model.vaeEncoder) {
    throw new ModelLoadError(`${model.manifest.name} has no VAE encoder, so it cannot start from an image (img2img, inpainting).`);
  }
  const encoder = await model.vaeEncoder();
  const s = model.manifest.vaeScaleFactor;
  const chw = rgbaToChw(image.data, image.width, image.height);
  const encode = async (x: Float32Array, d: [number, number, number, number]) => {
    const out = await encoder.run({ sample: runtime.tensor("float32", x, d) });
    return out[encoder.outputNames[0]].data as Float32Array;
  };
  const dims: [number, number, number, number] = [1, 3, image.height, image.width];
  const plan = planTiling(model, runtime, image.height / s, image.width / s, tiling);
  const { scalingFactor, latentChannels } = model.manifest;
  if (!plan.tiled) return (await encode(chw, dims)).map((v) => v * scalingFactor);
  const h = image.height / s;
  const w = image.width / s;
  const latent = new Float32Array(latentChannels * h * w);
  const put = (y: number, x: number, values: Float32Array, n: number) => {
    for (let c = 0; c < latentChannels; c++) {
      for (let i = 0; i < n; i++) latent[(c * h + y) * w + x + i] = values[c * n + i] * scalingFactor;
    }
  };
  await runTiled(chw, dims, plan.tile * s, plan.overlap * s, 1 / s, latentChannels, encode, put, signal);
  return latent;
}
