import { InvalidParamsError } from "../errors";
import { DEFAULT_MASK_BLUR, DEFAULT_PROMPT_SYNTAX, DEFAULT_TILING, type GenerateParams, type VaeTiling } from "../params";
import { encodePrompts, type PromptCut } from "./conditioning";
import { guidanceScaleEmbedding } from "./guidanceEmbedding";
import type { LoadedModel } from "./loadModel";
import { composite, latentMask, pixelBlendMask } from "./mask";
import { latentToRgba } from "./preview";
import { TorchGenerator } from "./random";
import type { OrtTensor, Runtime } from "./runtime";
import { createDenoiser, prepareSampling, vpLatent, type ModelCall } from "./samplers";
import { decodeLatents, encodeImage, type RgbaImage } from "./vae/vae";

export type { RgbaImage } from "./vae/vae";

/** img2img / inpainting source, already at the generation size. */
export interface InitImage {
  image: RgbaImage;
  /** 0–1: how much of the schedule runs (diffusers' strength); 0 returns the source. */
  strength: number;
  /** Inpainting: one byte per pixel, 255 = regenerate, 0 = keep. */
  mask?: Uint8Array;
  /** Pixels the kept area's border is feathered over when pasting back (A1111's "Mask blur"). */
  maskBlur?: number;
}

export interface GenerateHooks {
  signal?: AbortSignal;
  onProgress?: (p: { step: number; steps: number; elapsedMs: number }) => void;
  /** Called after each step with the predicted image, cheap to compute; omit to skip previews. */
  onPreview?: (p: { step: number; image: RgbaImage }) => void;
}

export interface GenerateOptions {
  init?: InitImage;
  tiling?: VaeTiling;
}

export interface GenerateResult {
  image: RgbaImage;
  /** The seed actually used (a random one when the request said −1). */
  seed: number;
  /** Wall times of the stages, and the part of the total spent inside session.run. */
  timings: { totalMs: number; textMs: number; denoiseMs: number; decodeMs: number; runMs: number };
  /** What the image does not follow of the request (a prompt cut short), in words for the user. */
  warnings: string[];
}

/** The engine's entry point: check inputs → encode prompt → prepare latents → denoise → decode. */
export async function generate(
  model: LoadedModel,
  runtime: Runtime,
  params: GenerateParams,
  hooks: GenerateHooks = {},
  { init, tiling = DEFAULT_TILING }: GenerateOptions = {},
): Promise<GenerateResult> {
  const t0 = performance.now();
  const runMs0 = runtime.stats.runMs;
  const { manifest } = model;
  const s = manifest.vaeScaleFactor;

  // 1. check inputs (the form checked them too; the embed API and tests come straight here)
  if (params.seed < 0) throw new InvalidParamsError("The engine needs a concrete seed (draw −1 before).", { field: "seed" });
  if (init && (init.image.width !== params.width || init.image.height !== params.height)) {
    throw new InvalidParamsError(`The source image is ${init.image.width}×${init.image.height}; fit it to ${params.width}×${params.height} first.`);
  }
  const strength = init?.strength;
  const roundTrip = strength === 0;
  if (strength !== undefined && !roundTrip && Math.floor(params.steps * strength) < 1) {
    throw new InvalidParamsError(
      `With ${params.steps} steps a denoising strength of ${strength} runs no step at all: steps × strength must be at least 1 ` +
        `(use strength ≥ ${(1 / params.steps).toFixed(2)} or more steps).`,
      { field: "denoisingStrength" },
    );
  }
  const h = params.height / s;
  const w = params.width / s;
  const c = manifest.latentChannels;
  const latentDims = [1, c, h, w] as const;
  const generator = new TorchGenerator(params.seed);
  const warnings: string[] = [];

  // source latent first: diffusers' ONNX img2img encodes before drawing any noise
  const source = init ? await encodeImage(model, runtime, init.image, tiling, hooks.signal) : undefined;
  if (source && roundTrip) {
    const tText = performance.now();
    const image = await decodeLatents(model, runtime, source, latentDims, tiling, hooks.signal);
    return finish(image, tText, tText);
  }
  const { plan, sampler, sourceNoiseSigma } = prepareSampling(
    params.sampler,
    manifest.scheduler,
    params.steps,
    strength === undefined ? {} : { strength },
  );
  // an LCM-distilled U-Net takes guidance as an embedding, in one batch; others get classifier-free guidance
  const guidanceEmbedding = model.guidanceEmbedDim ? guidanceScaleEmbedding(params.guidance, model.guidanceEmbedDim) : undefined;
  const useCfg = !guidanceEmbedding && params.guidance > 1;

  // 2. encode prompt: [uncond, cond] in one batch when guidance is on, as diffusers orders them
  const prompts = useCfg ? [params.negativePrompt, params.prompt] : [params.prompt];
  const zeroed = prompts.map((p, b) => useCfg && b === 0 && p.trim() === "" && manifest.forceZerosForEmptyPrompt === true);
  const syntax = params.promptSyntax ?? DEFAULT_PROMPT_SYNTAX;
  const fixedLength = model.unet.inputs.find((i) => i.name === "encoder_hidden_states")?.shape[1];
  const { conditioning, cuts } = await encodePrompts(manifest, model.textEncoders, runtime, prompts, params, {
    zeroed,
    negative: prompts.map((_, b) => useCfg && b === 0),
    syntax,
    fixedLength: typeof fixedLength === "number" ? fixedLength : undefined,
  });
  warnings.push(...cuts.map((cut) => cutWarning(cut, useCfg && cut.index === 0 ? "negative prompt" : "prompt", syntax === "plain")));
  if (guidanceEmbedding) conditioning.timestep_cond = runtime.tensor("float32", guidanceEmbedding, [1, guidanceEmbedding.length]);
  const tText = performance.now();

  // 3. prepare latents: the same noise torch.randn gives for this seed
  const noise = generator.randn([...latentDims]);
  const x = source ? source.map((v, i) => v + (sourceNoiseSigma ?? plan.sigmas[0]) * noise[i]) : noise.map((v) => v * plan.initNoiseSigma);
  const known = source && init?.mask ? { mask: latentMask(init.mask, params.width, params.height, s), latent: source } : undefined;

  // 4. denoise
  const timestepInput = model.unet.inputs.find((i) => i.name === "timestep");
  const timestepPerSample = timestepInput !== undefined && timestepInput.shape[0] !== 1;
  const unet: ModelCall = async (sample, batch, timestep) => {
    const out = await model.unet.run({
      sample: runtime.tensor("float32", sample, latentDims.with(0, batch)),
      timestep: timestepTensor(runtime, timestepInput?.type ?? "int64", timestep, timestepPerSample ? batch : 1),
      ...conditioning,
    });
    return out[model.unet.outputNames[0]].data as Float32Array;
  };
  const denoise = createDenoiser(unet, {
    predictionType: manifest.scheduler.prediction_type,
    guidance: useCfg ? params.guidance : undefined,
    known,
  });
  const started = performance.now();
  let lastYield = started;
  const result = await sampler(denoise, x, plan, {
    signal: hooks.signal,
    noise: () => generator.randn([...latentDims]),
    onStep: async ({ i, denoised }) => {
      hooks.onProgress?.({ step: i + 1, steps: plan.timesteps.length, elapsedMs: performance.now() - started });
      if (hooks.onPreview) {
        hooks.onPreview({ step: i + 1, image: { width: w, height: h, data: latentToRgba(denoised, c, w, h, manifest.latentRgb) } });
      }
      if (performance.now() - lastYield > YIELD_INTERVAL_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    },
  });
  hooks.signal?.throwIfAborted();
  const tDenoise = performance.now();

  // 5. decode, and for inpainting paste the kept pixels back exactly
  let image = await decodeLatents(model, runtime, vpLatent(result), latentDims, tiling, hooks.signal);
  if (init?.mask) {
    const alpha = pixelBlendMask(init.mask, params.width, params.height, 0, init.maskBlur ?? DEFAULT_MASK_BLUR);
    image = { ...image, data: composite(image.data, init.image.data, alpha) };
  }
  return finish(image, tText, tDenoise);

  function finish(img: RgbaImage, tText: number, tDenoise: number): GenerateResult {
    const tEnd = performance.now();
    return {
      image: img,
      seed: params.seed,
      timings: {
        totalMs: tEnd - t0,
        textMs: tText - t0,
        denoiseMs: tDenoise - tText,
        decodeMs: tEnd - tDenoise,
        runMs: runtime.stats.runMs - runMs0,
      },
      warnings,
    };
  }
}

/** Why a prompt's end does not show in the image, and what to do about it. */
function cutWarning({ tokens, kept }: PromptCut, which: string, plain: boolean): string {
  const why = plain
    ? `plain prompts are cut at ${kept} tokens (choose the A1111 prompt syntax for longer ones)`
    : `this model's U-Net has a fixed text length of ${kept} prompt tokens`;
  return `The ${which} has ${tokens} tokens, but ${why}: the words after token ${kept} were left out.`;
}

/** How often the denoising loop lets other messages in; a tiny model's step is far shorter than this. */
const YIELD_INTERVAL_MS = 10;

/**
 * Lets queued messages (a cancel) run between steps: a WASM session.run resolves without ever
 * returning to the event loop, so awaiting it alone would starve the worker's message handler.
 * Node has setImmediate; a worker posts to itself through one shared channel (a new channel per
 * yield costs more, and a long-lived port would keep a Node process alive).
 */
function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === "function") return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => {
    waiting.push(resolve);
    yieldChannel ??= createYieldChannel();
    yieldChannel.port2.postMessage(null);
  });
}

const waiting: (() => void)[] = [];
let yieldChannel: MessageChannel | undefined;

function createYieldChannel(): MessageChannel {
  const channel = new MessageChannel();
  channel.port1.onmessage = () => waiting.shift()?.();
  return channel;
}

function timestepTensor(runtime: Runtime, type: string, timestep: number, count: number): OrtTensor {
  if (type === "float32" || type === "float16") return runtime.tensor("float32", new Float32Array(count).fill(timestep), [count]);
  // Karras schedules give fractional timesteps; diffusers' ONNX pipeline casts them with numpy, which truncates
  return runtime.tensor("int64", new BigInt64Array(count).fill(BigInt(Math.trunc(timestep))), [count]);
}
