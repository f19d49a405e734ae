/**
 * Which element type an ONNX graph's floating-point weights have, read from the protobuf's field headers
 * without decoding the model (a U-Net's 1.7 GB are skipped over, not parsed). A repo's file names do not
 * always say it: `model.onnx` may hold half-precision weights, which need WebGPU's `shader-f16`.
 */

/** TensorProto.DataType values of the floating-point types. */
const FLOAT_TYPES = { 1: "float32", 10: "float16", 16: "bfloat16", 11: "float64" } as const;
export type WeightType = (typeof FLOAT_TYPES)[keyof typeof FLOAT_TYPES];

const MODEL_GRAPH = 7; // ModelProto.graph
const GRAPH_INITIALIZER = 5; // GraphProto.initializer
const TENSOR_DATA_TYPE = 2; // TensorProto.data_type

/** Counts of the graph's floating-point initializers by type; empty when the bytes are not an ONNX model. */
export function floatWeightTypes(bytes: Uint8Array): Map<WeightType, number> {
  const counts = new Map<WeightType, number>();
  const graph = first(fields(bytes, 0, bytes.length), MODEL_GRAPH);
  if (!graph || graph.wire !== LEN) return counts;
  for (const init of fields(bytes, graph.start, graph.end)) {
    if (init.field !== GRAPH_INITIALIZER || init.wire !== LEN) continue;
    const type = first(fields(bytes, init.start, init.end), TENSOR_DATA_TYPE);
    const name = type?.wire === VARINT ? FLOAT_TYPES[type.value as keyof typeof FLOAT_TYPES] : undefined;
    if (name) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

/** The type most floating-point weights have, or undefined when the graph has none (or is not ONNX). */
export function mainWeightType(bytes: Uint8Array): WeightType | undefined {
  let best: [WeightType, number] | undefined;
  for (const entry of floatWeightTypes(bytes)) if (!best || entry[1] > best[1]) best = entry;
  return best?.[0];
}

export const VARINT = 0;
export const LEN = 2;

export interface Field {
  field: number;
  wire: number;
  /** A varint's value. */
  value: number;
  /** A length-delimited field's payload. */
  start: number;
  end: number;
}

/** The fields in [from, to), in order; stops quietly at malformed bytes. */
export function* fields(bytes: Uint8Array, from: number, to: number): Generator<Field> {
  let at = from;
  while (at < to) {
    const key = readVarint(bytes, at, to);
    if (!key) return;
    const field = Math.floor(key.value / 8);
    const wire = key.value % 8;
    at = key.next;
    if (wire === VARINT || wire === LEN) {
      const v = readVarint(bytes, at, to);
      if (!v) return;
      const end = wire === LEN ? v.next + v.value : v.next;
      if (end > to) return;
      yield { field, wire, value: v.value, start: v.next, end };
      at = end;
    } else if (wire === 1 || wire === 5) {
      at += wire === 1 ? 8 : 4;
    } else {
      return;
    }
  }
}

export function first(all: Iterable<Field>, wanted: number): Field | undefined {
  for (const f of all) if (f.field === wanted) return f;
  return undefined;
}

/** A base-128 varint; Number arithmetic, exact for the lengths and enums a model holds (< 2^53). */
export function readVarint(bytes: Uint8Array, at: number, to: number): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = at; i < to && i < at + 10; i++) {
    const b = bytes[i];
    value += (b & 0x7f) * scale;
    if (b < 0x80) return { value, next: i + 1 };
    scale *= 128;
  }
  return undefined;
}

const GRAPH_INPUT = 11; // GraphProto.input
const VALUE_INFO_NAME = 1; // ValueInfoProto.name
const TENSOR_NAME = 8; // TensorProto.name

/**
 * The names of the graph's inputs a caller must feed, read from the protobuf without decoding the model: older
 * exports (IR < 4) also list every initializer as an input, and those have values already. Undefined when the
 * bytes are not a whole ONNX model (cut short, or something else).
 */
export function graphInputNames(bytes: Uint8Array): string[] | undefined {
  let graph: Field | undefined;
  let end = 0;
  for (const f of fields(bytes, 0, bytes.length)) {
    if (f.field === MODEL_GRAPH) graph = f;
    end = f.wire === LEN || f.wire === VARINT ? f.end : end;
  }
  if (!graph || graph.wire !== LEN || end !== bytes.length) return undefined;
  const decoder = new TextDecoder();
  const text = (f: Field | undefined) => (f?.wire === LEN ? decoder.decode(bytes.subarray(f.start, f.end)) : undefined);
  const inputs: string[] = [];
  const initializers = new Set<string>();
  for (const f of fields(bytes, graph.start, graph.end)) {
    if (f.wire !== LEN) continue;
    if (f.field === GRAPH_INPUT) {
      const name = text(first(fields(bytes, f.start, f.end), VALUE_INFO_NAME));
      if (name !== undefined) inputs.push(name);
    } else if (f.field === GRAPH_INITIALIZER) {
      const name = text(first(fields(bytes, f.start, f.end), TENSOR_NAME));
      if (name !== undefined) initializers.add(name);
    }
  }
  return inputs.filter((name) => !initializers.has(name));
}
