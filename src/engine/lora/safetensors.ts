/**
 * Reads a `.safetensors` file as the format defines it (huggingface/safetensors, docs "Format"): an 8-byte
 * little-endian header length N, N bytes of UTF-8 JSON `{ name: { dtype, shape, data_offsets: [begin, end] } }`
 * (offsets relative to the byte after the header; an optional `__metadata__` map of strings), then the data.
 * Tensors are views into the file's bytes until asked for as float32.
 */
import { LoraError } from "../../errors";
import { halfToFloat } from "../float16";

export type SafetensorsDtype = "F32" | "F16" | "BF16";

export interface SafetensorsTensor {
  name: string;
  dtype: string;
  shape: number[];
  /** The tensor's bytes, a view into the file. */
  bytes: Uint8Array;
}

export interface SafetensorsFile {
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

const ELEMENT_BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
/** Headers are a few hundred KB even for large LoRAs; the format's own reader refuses over 100 MB. */
const MAX_HEADER_BYTES = 100_000_000;

export function readSafetensors(bytes: Uint8Array, fileName = "the file"): SafetensorsFile {
  const bad = (why: string) => new LoraError(`${fileName} is not a .safetensors file: ${why}.`, { file: fileName });
  if (bytes.length < 8) throw bad("it is shorter than the 8-byte header length");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > bytes.length) {
    throw bad(`its header length (${headerLength} bytes) does not fit in its ${bytes.length} bytes`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    throw bad("its header is not JSON");
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) throw bad("its header is not a JSON object");
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, SafetensorsTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") {
      metadata = Object.fromEntries(Object.entries(entry as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
      continue;
    }
    const { dtype, shape, data_offsets: offsets } = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== "string" || !Array.isArray(shape) || !Array.isArray(offsets) || offsets.length !== 2) {
      throw bad(`tensor ${name} lacks dtype, shape or data_offsets`);
    }
    const dims = shape.map(Number);
    const [begin, end] = offsets.map(Number);
    const count = dims.reduce((a, b) => a * b, 1);
    const size = ELEMENT_BYTES[dtype];
    if (!(begin >= 0 && end >= begin && dataStart + end <= bytes.length)) {
      throw bad(`tensor ${name}'s data [${begin}, ${end}) lies outside the file`);
    }
    if (size !== undefined && end - begin !== count * size) {
      throw bad(`tensor ${name} (${dtype} ${JSON.stringify(dims)}) should have ${count * size} bytes, not ${end - begin}`);
    }
    tensors.set(name, { name, dtype, shape: dims, bytes: bytes.subarray(dataStart + begin, dataStart + end) });
  }
  return { tensors, metadata };
}

/** The tensor's values as float32: F32 copied, F16 and BF16 widened (exactly); other types refused. */
export function tensorToFloat32(t: SafetensorsTensor, fileName = "the file"): Float32Array {
  const n = t.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const view = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
  switch (t.dtype) {
    case "F32":
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    case "F16":
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
      return out;
    case "BF16": {
      // bfloat16 is the top half of a float32's bits
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = view.getUint16(i * 2, true) << 16;
      return out;
    }
    default:
      throw new LoraError(`${fileName}: tensor ${t.name} is ${t.dtype}; LoRA weights must be F32, F16 or BF16.`, {
        file: fileName,
        tensor: t.name,
      });
  }
}
