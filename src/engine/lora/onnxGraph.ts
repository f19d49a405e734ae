/**
 * The weights a LoRA can change, found in an ONNX graph's protobuf without decoding it: each MatMul, Gemm and
 * Conv node whose weight input is an initializer (directly, or through the Cast / Identity nodes fp16 exports put
 * between a half-precision initializer and its user), with where that initializer's bytes lie.
 *
 * torch.onnx names nodes after the module that made them (`/down_blocks.0/attentions.0/…/to_q/MatMul`,
 * `/text_model/encoder/layers.0/self_attn/q_proj/MatMul`), which is how a node is tied back to a module path.
 */
import { fields, first, LEN, readVarint, VARINT, type Field } from "../onnxWeights";

const MODEL_GRAPH = 7;
const GRAPH = { node: 1, initializer: 5 } as const;
const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5 } as const;
const ATTRIBUTE = { name: 1, i: 3 } as const;
const TENSOR = { dims: 1, dataType: 2, floatData: 4, name: 8, rawData: 9, externalData: 13, dataLocation: 14 } as const;
const ENTRY = { key: 1, value: 2 } as const;
const DATA_LOCATION_EXTERNAL = 1;

export const ONNX_FLOAT = 1;
export const ONNX_FLOAT16 = 10;

/** Where an initializer's values are: a byte range of the model file, or of an external data file. */
export type TensorBytes = { kind: "inline"; start: number; end: number } | { kind: "external"; location: string; offset: number; length: number };

export interface Initializer {
  name: string;
  dataType: number;
  dims: number[];
  data?: TensorBytes;
}

/** How the weight is laid out relative to the module's [out, in(, kh, kw)] weight. */
export type WeightLayout = "in-out" | "out-in";

export interface WeightSite {
  /** The module path from the node's name, one segment per module (`down_blocks.0`, `attentions.0`, …). */
  segments: string[];
  op: "MatMul" | "Gemm" | "Conv";
  layout: WeightLayout;
  initializer: Initializer;
}

interface NodeInfo {
  name: string;
  op: string;
  inputs: string[];
  outputs: string[];
  transB: number;
}

const decoder = new TextDecoder();

function text(bytes: Uint8Array, f: Field): string {
  return decoder.decode(bytes.subarray(f.start, f.end));
}

/** A repeated int64 field, packed or not. */
function int64s(bytes: Uint8Array, all: Field[], field: number): number[] {
  const out: number[] = [];
  for (const f of all) {
    if (f.field !== field) continue;
    if (f.wire === VARINT) out.push(f.value);
    else if (f.wire === LEN) {
      // packed: the varints back to back
      for (let v = readVarint(bytes, f.start, f.end); v; v = readVarint(bytes, v.next, f.end)) out.push(v.value);
    }
  }
  return out;
}

function readInitializer(bytes: Uint8Array, from: number, to: number): Initializer {
  const all = [...fields(bytes, from, to)];
  let name = "";
  let dataType = 0;
  let data: TensorBytes | undefined;
  let external = false;
  const entries = new Map<string, string>();
  for (const f of all) {
    if (f.field === TENSOR.name && f.wire === LEN) name = text(bytes, f);
    else if (f.field === TENSOR.dataType && f.wire === VARINT) dataType = f.value;
    else if ((f.field === TENSOR.rawData || f.field === TENSOR.floatData) && f.wire === LEN) {
      // float_data is packed fixed32: little-endian float32s, the same bytes raw_data would hold
      data = { kind: "inline", start: f.start, end: f.end };
    } else if (f.field === TENSOR.dataLocation && f.wire === VARINT) external = f.value === DATA_LOCATION_EXTERNAL;
    else if (f.field === TENSOR.externalData && f.wire === LEN) {
      const entry = [...fields(bytes, f.start, f.end)];
      const key = first(entry, ENTRY.key);
      const value = first(entry, ENTRY.value);
      if (key && value) entries.set(text(bytes, key), text(bytes, value));
    }
  }
  if (external && entries.has("location")) {
    data = {
      kind: "external",
      location: entries.get("location")!,
      offset: Number(entries.get("offset") ?? 0),
      length: Number(entries.get("length") ?? -1),
    };
  }
  return { name, dataType, dims: int64s(bytes, all, TENSOR.dims), data };
}

function readNode(bytes: Uint8Array, from: number, to: number): NodeInfo {
  const node: NodeInfo = { name: "", op: "", inputs: [], outputs: [], transB: 0 };
  for (const f of fields(bytes, from, to)) {
    if (f.wire !== LEN) continue;
    if (f.field === NODE.input) node.inputs.push(text(bytes, f));
    else if (f.field === NODE.output) node.outputs.push(text(bytes, f));
    else if (f.field === NODE.name) node.name = text(bytes, f);
    else if (f.field === NODE.opType) node.op = text(bytes, f);
    else if (f.field === NODE.attribute) {
      const attr = [...fields(bytes, f.start, f.end)];
      const attrName = first(attr, ATTRIBUTE.name);
      const value = first(attr, ATTRIBUTE.i);
      if (attrName && text(bytes, attrName) === "transB" && value?.wire === VARINT) node.transB = value.value;
    }
  }
  return node;
}

/** Node `/a/b.0/c/MatMul` → module segments [a, b.0, c]; nodes named otherwise have none. */
function moduleSegments(nodeName: string): string[] {
  if (!nodeName.startsWith("/")) return [];
  return nodeName.split("/").filter(Boolean).slice(0, -1);
}

/** Every MatMul / Gemm / Conv whose weight is an initializer, with the initializer it reads. */
export function weightSites(bytes: Uint8Array): WeightSite[] {
  const graph = first(fields(bytes, 0, bytes.length), MODEL_GRAPH);
  if (!graph || graph.wire !== LEN) return [];
  const initializers = new Map<string, Initializer>();
  const nodes: NodeInfo[] = [];
  for (const f of fields(bytes, graph.start, graph.end)) {
    if (f.wire !== LEN) continue;
    if (f.field === GRAPH.initializer) {
      const init = readInitializer(bytes, f.start, f.end);
      initializers.set(init.name, init);
    } else if (f.field === GRAPH.node) nodes.push(readNode(bytes, f.start, f.end));
  }
  const passThrough = new Map<string, string>();
  for (const n of nodes) if ((n.op === "Cast" || n.op === "Identity") && n.outputs[0]) passThrough.set(n.outputs[0], n.inputs[0]);
  const source = (name: string): Initializer | undefined => {
    for (let i = 0; i < 8 && !initializers.has(name); i++) {
      const from = passThrough.get(name);
      if (from === undefined) return undefined;
      name = from;
    }
    return initializers.get(name);
  };
  const sites: WeightSite[] = [];
  for (const n of nodes) {
    if (n.op !== "MatMul" && n.op !== "Gemm" && n.op !== "Conv") continue;
    const segments = moduleSegments(n.name);
    const initializer = n.inputs[1] !== undefined ? source(n.inputs[1]) : undefined;
    if (segments.length === 0 || !initializer) continue;
    const layout: WeightLayout = n.op === "Conv" || (n.op === "Gemm" && n.transB === 1) ? "out-in" : "in-out";
    sites.push({ segments, op: n.op, layout, initializer });
  }
  return sites;
}
