/**
 * Adds scale · (up @ down) to the weights a LoRA changes, in place in the bytes ONNX Runtime will be given: the
 * initializers keep their type and length, so the protobuf is edited where it lies and never re-serialised, and
 * no copy of the model is made. Each weight row is summed in a float32 scratch row and written back rounded.
 */
import { LoraError } from "../../errors";
import { halfToFloat, toHalfBits } from "../float16";
import type { LoraModule, LoraPart, ParsedLora } from "./keys";
import { ONNX_FLOAT, ONNX_FLOAT16, weightSites, type WeightSite } from "./onnxGraph";
import { tensorToFloat32 } from "./safetensors";
import { layersPerBlock, sgmToDiffusersPath } from "./sgmKeys";

/** A file of weights kept beside a graph, as read into memory (patching edits it in place). */
export interface WeightFile {
  path: string;
  data: Uint8Array;
}

export interface LoraToApply extends ParsedLora {
  name: string;
  /** Multiplies scale · up@down in the text encoders, and in the U-Net unless `unetStrength` is given. */
  strength: number;
  unetStrength?: number;
}

export const strengthFor = (lora: LoraToApply, part: LoraPart): number => (part === "unet" ? (lora.unetStrength ?? lora.strength) : lora.strength);

export interface PartPatchReport {
  /** Modules patched, per LoRA name. */
  applied: Map<string, number>;
  /** Module keys of each LoRA that name no weight of this part. */
  unmatched: Map<string, string[]>;
}

/**
 * Module paths by every suffix a LoRA key may give (dotted and with underscores): exports wrap the model
 * (`/model/down_blocks.0/…`), LoRA keys start at the model's own modules.
 */
function indexSites(sites: WeightSite[]): Map<string, WeightSite[] | "ambiguous"> {
  const index = new Map<string, WeightSite[] | "ambiguous">();
  const byPath = new Map<string, WeightSite[]>();
  for (const site of sites) {
    const path = site.segments.join(".");
    const list = byPath.get(path) ?? [];
    // a module read in two places (or through two casts) is still one weight
    if (!list.some((s) => s.initializer === site.initializer)) list.push(site);
    byPath.set(path, list);
  }
  for (const list of byPath.values()) {
    const seen = new Set<string>();
    for (let i = 0; i < list[0].segments.length; i++) {
      const suffix = list[0].segments.slice(i).join(".");
      for (const key of [suffix, suffix.replace(/\./g, "_")]) {
        if (seen.has(key)) continue;
        seen.add(key);
        const had = index.get(key);
        index.set(key, had === undefined ? list : "ambiguous");
      }
    }
  }
  return index;
}

/**
 * The weights a module names. kohya's SDXL U-Net keys in sgm's layout are read as diffusers' (sgmKeys.ts), given the
 * U-Net's layers per block. Text-encoder keys start at transformers 4's `text_model.`, which exports made with
 * transformers 5 (whose CLIPTextModel dropped that level) do not have.
 */
function lookup(index: Map<string, WeightSite[] | "ambiguous">, m: LoraModule, unetLayers: number | undefined): WeightSite[] | undefined {
  const sgm = m.part === "unet" && m.underscored && unetLayers !== undefined ? sgmToDiffusersPath(m.path, unetLayers) : undefined;
  const found = index.get(sgm ?? m.path);
  if (found !== undefined) return found === "ambiguous" ? undefined : found;
  const inner = /^text_model[._](.+)$/.exec(m.path)?.[1];
  if (m.part === "unet" || inner === undefined) return undefined;
  const again = index.get(inner);
  return again === "ambiguous" ? undefined : again;
}

const LAYER = /(?:^|[._])encoder[._]layers[._](\d+)(?:[._]|$)/;

/** The highest text-encoder layer index among the graph's weights; undefined for graphs without such layers. */
function lastEncoderLayer(sites: WeightSite[]): number | undefined {
  let last: number | undefined;
  for (const s of sites) {
    const n = LAYER.exec(s.segments.join("."))?.[1];
    if (n !== undefined) last = Math.max(last ?? 0, Number(n));
  }
  return last;
}

/**
 * A text-encoder layer past the graph's last one: SDXL's exports stop at the penultimate layer, whose states the
 * U-Net reads, so a LoRA's changes to the final layer cannot change the image (in diffusers neither); not a mismatch.
 */
function pastLastLayer(m: LoraModule, lastLayer: number | undefined): boolean {
  const n = LAYER.exec(m.path)?.[1];
  return m.part !== "unet" && lastLayer !== undefined && n !== undefined && Number(n) > lastLayer;
}

const elements = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** out · in(·kh·kw) of the module a LoRA pair changes, and whether the weight has that many elements. */
function checkShapes(m: LoraModule, site: WeightSite, loraName: string): { out: number; inner: number } {
  const out = m.up.shape[0];
  const inner = elements(m.down.shape) / m.rank;
  const dims = site.initializer.dims;
  const fits =
    elements(m.up.shape) === out * m.rank &&
    elements(dims) === out * inner &&
    (site.layout === "out-in" ? dims[0] === out : dims.length === 2 && dims[1] === out);
  if (!fits) {
    throw new LoraError(
      `The LoRA "${loraName}" does not fit this model: ${m.key} changes a [${out}, ${inner}] weight, but the model's ` +
        `${site.segments.join(".")} is ${JSON.stringify(dims)}. It was made for another base model.`,
      { lora: loraName, key: m.key },
    );
  }
  return { out, inner };
}

function transpose(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c];
  return out;
}

/** The bytes of a site's weight: a view into the model or into its external data file. */
function weightBytes(site: WeightSite, model: Uint8Array, external: readonly WeightFile[], loraName: string): Uint8Array {
  const init = site.initializer;
  const where = `${site.segments.join(".")} (${init.name})`;
  if (!init.data) {
    throw new LoraError(`The LoRA "${loraName}" cannot be applied: the model stores ${where} in a form that cannot be edited in place.`);
  }
  if (init.data.kind === "inline") return model.subarray(init.data.start, init.data.end);
  const { location, offset, length } = init.data;
  const base = location.split("/").pop();
  const file = external.find((f) => f.path === location || f.path.split("/").pop() === base);
  if (!file) throw new LoraError(`The LoRA "${loraName}" cannot be applied: ${where} lies in ${location}, which was not loaded.`);
  const size = length >= 0 ? length : file.data.length - offset;
  if (offset + size > file.data.length) throw new LoraError(`${where} lies beyond the end of ${location}.`);
  return file.data.subarray(offset, offset + size);
}

/**
 * Adds left @ right ([rows, rank] @ [rank, cols], float32) to a weight's bytes (`rows` × `cols`, float32 or float16,
 * little-endian, any alignment), in place.
 */
export interface LowRankAdder {
  add(target: Uint8Array, dataType: number, rows: number, cols: number, rank: number, left: Float32Array, right: Float32Array): Promise<void> | void;
}

/** The plain JavaScript adder: one float32 scratch row at a time. ortKernel.ts has a faster one. */
export const jsLowRankAdder: LowRankAdder = { add: addLowRank };

function addLowRank(target: Uint8Array, dataType: number, rows: number, cols: number, rank: number, left: Float32Array, right: Float32Array) {
  const view = new DataView(target.buffer, target.byteOffset, target.byteLength);
  const acc = new Float32Array(cols);
  const half = dataType === ONNX_FLOAT16;
  for (let a = 0; a < rows; a++) {
    acc.fill(0);
    for (let r = 0; r < rank; r++) {
      const c = left[a * rank + r];
      if (c === 0) continue;
      const off = r * cols;
      for (let j = 0; j < cols; j++) acc[j] += c * right[off + j];
    }
    const row = a * cols;
    if (half) {
      for (let j = 0; j < cols; j++) {
        const at = (row + j) * 2;
        view.setUint16(at, toHalfBits(halfToFloat(view.getUint16(at, true)) + acc[j]), true);
      }
    } else {
      for (let j = 0; j < cols; j++) {
        const at = (row + j) * 4;
        view.setFloat32(at, view.getFloat32(at, true) + acc[j], true);
      }
    }
  }
}

async function applyModule(
  m: LoraModule,
  site: WeightSite,
  model: Uint8Array,
  external: readonly WeightFile[],
  lora: LoraToApply,
  strength: number,
  adder: LowRankAdder,
): Promise<void> {
  const { out, inner } = checkShapes(m, site, lora.name);
  const type = site.initializer.dataType;
  if (type !== ONNX_FLOAT && type !== ONNX_FLOAT16) {
    throw new LoraError(
      `The LoRA "${lora.name}" cannot be applied: ${site.segments.join(".")} holds weights of ONNX type ${type}; only ` +
        `float32 and float16 weights can be patched (not 4-bit or 8-bit quantized ones).`,
      { lora: lora.name },
    );
  }
  const bytes = weightBytes(site, model, external, lora.name);
  if (bytes.length !== out * inner * (type === ONNX_FLOAT16 ? 2 : 4)) {
    throw new LoraError(`${site.segments.join(".")}: its stored bytes do not match its shape.`);
  }
  const scale = m.scale * strength;
  const up = tensorToFloat32(m.up, lora.name);
  for (let i = 0; i < up.length; i++) up[i] *= scale;
  const down = tensorToFloat32(m.down, lora.name);
  if (site.layout === "out-in") await adder.add(bytes, type, out, inner, m.rank, up, down);
  // weight stored [in, out]: row k of it is Σ_r down[r, k] · up[:, r]
  else await adder.add(bytes, type, inner, out, m.rank, transpose(down, m.rank, inner), transpose(up, out, m.rank));
}

/** Patches the weights of one model part (its graph bytes and external data) with every LoRA's modules for it. */
export async function applyLoras(
  part: LoraPart,
  model: Uint8Array,
  external: readonly WeightFile[],
  loras: readonly LoraToApply[],
  adder: LowRankAdder = jsLowRankAdder,
): Promise<PartPatchReport> {
  const report: PartPatchReport = { applied: new Map(), unmatched: new Map() };
  const wanted = loras.filter((l) => strengthFor(l, part) !== 0 && l.modules.some((m) => m.part === part));
  if (wanted.length === 0) return report;
  const sites = weightSites(model);
  const index = indexSites(sites);
  const lastLayer = lastEncoderLayer(sites);
  const unetLayers = part === "unet" ? layersPerBlock(sites.map((s) => s.segments.join("."))) : undefined;
  for (const lora of wanted) {
    let applied = 0;
    const unmatched: string[] = [];
    for (const m of lora.modules) {
      if (m.part !== part) continue;
      const found = lookup(index, m, unetLayers);
      if (found === undefined) {
        if (!pastLastLayer(m, lastLayer)) unmatched.push(m.key);
        continue;
      }
      for (const site of found) await applyModule(m, site, model, external, lora, strengthFor(lora, part), adder);
      applied += 1;
    }
    report.applied.set(lora.name, applied);
    if (unmatched.length > 0) report.unmatched.set(lora.name, unmatched);
  }
  return report;
}
