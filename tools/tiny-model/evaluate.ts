/**
 * The evaluation of evaluate.py, run through the app's own engine (any sampler, onnxruntime-node):
 *
 *   npx tsx tools/tiny-model/evaluate.ts [--sampler Euler|all] [--steps 20] [--guidance 4] [--n 64]
 *                                        [--model tiny-shapes|tiny-shapes-xl] [--variant fp32|q4|…]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createEngine, type Engine } from "../../src/engine/engine";
import { createNodeRuntime, diskSource } from "../../src/engine/nodeRuntime";
import type { Runtime } from "../../src/engine/runtime";
import { SAMPLER_NAMES } from "../../src/params";
import type { ModelTarget } from "../../src/protocol";
import { COLOUR_NAMES, SHAPES, judgeColours, toChw } from "./judge";

export const MODELS_FOLDER = join(import.meta.dirname, "../../public/models");

export interface Accuracy {
  background: number;
  foreground: number;
  shape: number;
}

/** A small deterministic generator for the prompts (mulberry32), independent of the noise seeds. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A model of public/models loaded into the app's engine on `runtime`; `variant` is the one the engine picked. */
export interface TinyModel {
  engine: Engine;
  target: ModelTarget;
  runtime: Runtime;
  variant: string;
}

export async function loadTinyModel(runtime: Runtime, id = "tiny-shapes", variantId?: string): Promise<TinyModel> {
  const target: ModelTarget = { modelId: id, modelBase: join(MODELS_FOLDER, id), variant: variantId, backend: "wasm" };
  const engine = createEngine({ createRuntime: async () => runtime, openModel: async () => diskSource(target.modelBase) });
  let variant = "";
  await engine.load(target, {
    onStatus: (s) => {
      if (s.status === "done") variant = s.variant;
    },
  });
  return { engine, target, runtime, variant };
}

export async function evaluate(
  { engine, target, runtime }: TinyModel,
  opts: { sampler: string; steps: number; guidance: number; n: number },
): Promise<Accuracy> {
  const rand = prng(2024);
  const pick = (k: number) => Math.floor(rand() * k);
  const classifier = await runtime.createSession(readFileSync(join(import.meta.dirname, "classifier.onnx")));
  const hits = { background: 0, foreground: 0, shape: 0 };
  for (let i = 0; i < opts.n; i++) {
    const shape = pick(SHAPES.length);
    const fg = pick(COLOUR_NAMES.length);
    const bg = (fg + 1 + pick(COLOUR_NAMES.length - 1)) % COLOUR_NAMES.length;
    const article = (w: string) => (/^[aeiou]/.test(w) ? "an" : "a");
    const prompt = `${article(COLOUR_NAMES[fg])} ${COLOUR_NAMES[fg]} ${SHAPES[shape]} on ${article(COLOUR_NAMES[bg])} ${COLOUR_NAMES[bg]} background`;
    const params = {
      prompt,
      negativePrompt: "",
      steps: opts.steps,
      guidance: opts.guidance,
      seed: 1000 + i,
      width: 64,
      height: 64,
      sampler: opts.sampler,
    };
    const { image } = await engine.generate({ ...target, previews: false, params });
    const chw = toChw(image.data, 64, 64);
    const colours = judgeColours(chw, 64, 64);
    const logits = (await classifier.run({ image: runtime.tensor("float32", chw, [1, 3, 64, 64]) })).logits.data as Float32Array;
    const predicted = logits.indexOf(Math.max(...logits));
    hits.background += Number(colours.background === bg);
    hits.foreground += Number(colours.foreground === fg);
    hits.shape += Number(predicted === shape);
  }
  await classifier.release();
  return { background: hits.background / opts.n, foreground: hits.foreground / opts.n, shape: hits.shape / opts.n };
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      sampler: { type: "string", default: "Euler" },
      steps: { type: "string", default: "20" },
      guidance: { type: "string", default: "4" },
      n: { type: "string", default: "64" },
      threads: { type: "string", default: "2" },
      model: { type: "string", default: "tiny-shapes" },
      variant: { type: "string" },
    },
  });
  const runtime = createNodeRuntime(Number(values.threads));
  const model = await loadTinyModel(runtime, values.model, values.variant);
  const samplers = values.sampler === "all" ? [...SAMPLER_NAMES] : [values.sampler];
  for (const sampler of samplers) {
    const acc = await evaluate(model, { sampler, steps: Number(values.steps), guidance: Number(values.guidance), n: Number(values.n) });
    const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
    console.log(
      `${model.target.modelId} ${model.variant} ${sampler.padEnd(16)} ${values.steps} steps, guidance ${values.guidance}, n=${values.n}: background ${pct(acc.background)}, foreground ${pct(acc.foreground)}, shape ${pct(acc.shape)}`,
    );
  }
  await model.engine.release();
}
