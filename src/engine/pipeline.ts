import { InvalidParamsError } from "../errors";
import type { GenerateParams } from "../params";
import { chwToRgba } from "./image";
import type { LoadedModel } from "./loadModel";
import { latentToRgba } from "./preview";
import { TorchGenerator } from "./random";
import type { OrtTensor, Runtime } from "./runtime";
import { prepareSampling } from "./samplers";
import { denoisedFromModelOutput } from "./samplers/prediction";
import type { Denoiser, Latent } from "./samplers/types";

export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface GenerateHooks {
  signal?: AbortSignal;
  onProgress?: (p: { step: number; steps: number; elapsedMs: number }) => void;
  /** Called after each step with the predicted image, cheap to compute; omit to skip previews. */
  onPreview?: (p: { step: number; image: RgbaImage }) => void;
}

export interface GenerateResult {
  image: RgbaImage;
  /** The seed actually used (a random one when the request said −1). */
  seed: number;
  /** Wall times of the stages, and the part of the total spent inside session.run. */
  timings: { totalMs: number; textMs: number; denoiseMs: number; decodeMs: number; runMs: number };
}

/** The engine's entry point: check inputs → encode prompt → prepare latents → denoise → decode. */
export async function generate(
  model: LoadedModel,
  runtime: Runtime,
  params: GenerateParams & { seed: number },
  hooks: GenerateHooks = {},
): Promise<GenerateResult> {
  const t0 = performance.now();
  const runMs0 = runtime.stats.runMs;
  const { manifest } = model;
  // 1. check inputs (the form checked them too; the embed API and tests come straight here)
  if (params.seed < 0) throw new InvalidParamsError("The engine needs a concrete seed (draw −1 before).", { field: "seed" });
  const { plan, sampler } = prepareSampling(params.sampler, manifest.scheduler, params.steps);
  const useCfg = params.guidance > 1;
  const batch = useCfg ? 2 : 1;
  const h = params.height / manifest.vaeScaleFactor;
  const w = params.width / manifest.vaeScaleFactor;
  const c = manifest.latentChannels;
  const latentDims = [1, c, h, w];

  // 2. encode prompt: [uncond, cond] in one batch when guidance is on, as diffusers orders them
  const prompts = useCfg ? [params.negativePrompt, params.prompt] : [params.prompt];
  const context = await encodeText(model, runtime, prompts);
  const tText = performance.now();

  // 3. prepare latents: the same noise torch.randn gives for this seed
  const generator = new TorchGenerator(params.seed);
  const noise = generator.randn(latentDims);
  const x = noise.map((v) => v * plan.initNoiseSigma);

  // 4. denoise
  const timestepInput = model.unet.inputs.find((i) => i.name === "timestep");
  const timestepPerSample = timestepInput !== undefined && timestepInput.shape[0] !== 1;
  const denoise: Denoiser = async (xs, { sigma, timestep }) => {
    const cIn = 1 / Math.sqrt(sigma * sigma + 1);
    const sample = new Float32Array(xs.length * batch);
    for (let b = 0; b < batch; b++) for (let i = 0; i < xs.length; i++) sample[b * xs.length + i] = xs[i] * cIn;
    const out = await model.unet.run({
      sample: runtime.tensor("float32", sample, [batch, c, h, w]),
      timestep: timestepTensor(runtime, timestepInput?.type ?? "int64", timestep, timestepPerSample ? batch : 1),
      encoder_hidden_states: context,
    });
    const eps = (out[model.unet.outputNames[0]].data as Float32Array);
    const guided = useCfg ? guide(eps, xs.length, params.guidance) : eps;
    return denoisedFromModelOutput(xs, guided, sigma, manifest.scheduler.prediction_type);
  };
  const started = performance.now();
  const final = await sampler(denoise, x, plan, {
    signal: hooks.signal,
    noise: () => generator.randn(latentDims),
    onStep: async ({ i, denoised }) => {
      hooks.onProgress?.({ step: i + 1, steps: plan.timesteps.length, elapsedMs: performance.now() - started });
      if (hooks.onPreview) {
        hooks.onPreview({ step: i + 1, image: { width: w, height: h, data: latentToRgba(denoised, c, w, h, manifest.latentRgb) } });
      }
      await yieldToEventLoop();
    },
  });
  hooks.signal?.throwIfAborted();
  const tDenoise = performance.now();

  // 5. decode
  const image = await decodeLatent(model, runtime, final, latentDims);
  const tEnd = performance.now();
  return {
    image,
    seed: params.seed,
    timings: {
      totalMs: tEnd - t0,
      textMs: tText - t0,
      denoiseMs: tDenoise - tText,
      decodeMs: tEnd - tDenoise,
      runMs: runtime.stats.runMs - runMs0,
    },
  };
}

/**
 * Lets queued messages (a cancel) run between steps: a WASM session.run resolves without ever
 * returning to the event loop, so awaiting it alone would starve the worker's message handler.
 */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

async function encodeText(model: LoadedModel, runtime: Runtime, prompts: string[]): Promise<OrtTensor> {
  const { maxLength } = model.manifest.tokenizer;
  const ids = new Int32Array(prompts.length * maxLength);
  prompts.forEach((p, b) => ids.set(model.tokenizer.encode(p), b * maxLength));
  const type = model.textEncoder.inputs.find((i) => i.name === "input_ids")?.type;
  const dims = [prompts.length, maxLength];
  const input =
    type === "int64" ? runtime.tensor("int64", BigInt64Array.from(ids, (v) => BigInt(v)), dims) : runtime.tensor("int32", ids, dims);
  const out = await model.textEncoder.run({ input_ids: input });
  const hidden = out.last_hidden_state ?? out[model.textEncoder.outputNames[0]];
  return hidden;
}

function timestepTensor(runtime: Runtime, type: string, timestep: number, count: number): OrtTensor {
  if (type === "float32") return runtime.tensor("float32", new Float32Array(count).fill(timestep), [count]);
  // Karras schedules give fractional timesteps; diffusers' ONNX pipeline casts them with numpy, which truncates
  return runtime.tensor("int64", new BigInt64Array(count).fill(BigInt(Math.trunc(timestep))), [count]);
}

/** Classifier-free guidance: ε = ε_uncond + g·(ε_cond − ε_uncond), batch laid out [uncond, cond]. */
function guide(eps: Float32Array, n: number, g: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = eps[i] + g * (eps[n + i] - eps[i]);
  return out;
}

export async function decodeLatent(model: LoadedModel, runtime: Runtime, latent: Latent, dims: number[]): Promise<RgbaImage> {
  const scaled = Float32Array.from(latent, (v) => v / model.manifest.scalingFactor);
  const out = await model.vaeDecoder.run({ latent_sample: runtime.tensor("float32", scaled, dims) });
  const sample = out[model.vaeDecoder.outputNames[0]];
  const [, , height, width] = sample.dims;
  return { width, height, data: chwToRgba(sample.data as Float32Array, width, height) };
}
