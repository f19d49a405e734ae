/**
 * Synthetic inputs for bench/loraPatch.ts, shared by its Node and browser halves: an SD 1.5-shaped U-Net as an
 * ONNX protobuf holding only float16 initializers (the Linears and 1×1 projections a LoRA changes, named as
 * torch.onnx names them, plus one filler tensor up to the U-Net's 1.7 GB), and a kohya LoRA with SD 1.5's
 * modules (U-Net transformer blocks and CLIP-L text encoder) at rank 128 in float16: about 144 MB.
 */

import { ProtoWriter } from "../src/engine/lora/protobufWriter";

export interface SyntheticModule {
  /** Module path, dots between modules (`down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q`). */
  path: string;
  part: "unet" | "te";
  out: number;
  in: number;
  conv: boolean;
}

const CROSS = 768;

/** SD 1.5's transformer blocks: 2 per down level (320, 640, 1280), 1 in the middle, 3 per up level. */
export function sd15Modules(): SyntheticModule[] {
  const modules: SyntheticModule[] = [];
  const block = (prefix: string, d: number) => {
    const lin = (name: string, out: number, inp: number) => modules.push({ path: `${prefix}.${name}`, part: "unet", out, in: inp, conv: false });
    modules.push({ path: `${prefix}.proj_in`, part: "unet", out: d, in: d, conv: true });
    const t = "transformer_blocks.0";
    for (const p of ["to_q", "to_k", "to_v", "to_out.0"]) lin(`${t}.attn1.${p}`, d, d);
    lin(`${t}.attn2.to_q`, d, d);
    lin(`${t}.attn2.to_k`, d, CROSS);
    lin(`${t}.attn2.to_v`, d, CROSS);
    lin(`${t}.attn2.to_out.0`, d, d);
    lin(`${t}.ff.net.0.proj`, 8 * d, d);
    lin(`${t}.ff.net.2`, d, 4 * d);
    modules.push({ path: `${prefix}.proj_out`, part: "unet", out: d, in: d, conv: true });
  };
  const widths = [320, 640, 1280];
  for (let i = 0; i < 3; i++) for (let j = 0; j < 2; j++) block(`down_blocks.${i}.attentions.${j}`, widths[i]);
  block("mid_block.attentions.0", 1280);
  for (let i = 1; i < 4; i++) for (let j = 0; j < 3; j++) block(`up_blocks.${i}.attentions.${j}`, widths[3 - i]);
  for (let l = 0; l < 12; l++) {
    const p = `text_model.encoder.layers.${l}`;
    for (const n of ["q_proj", "k_proj", "v_proj", "out_proj"])
      modules.push({ path: `${p}.self_attn.${n}`, part: "te", out: 768, in: 768, conv: false });
    modules.push({ path: `${p}.mlp.fc1`, part: "te", out: 3072, in: 768, conv: false });
    modules.push({ path: `${p}.mlp.fc2`, part: "te", out: 768, in: 3072, conv: false });
  }
  return modules;
}

/** Fills with float16 values of magnitude < 0.1 (sign and low mantissa bits from a cheap generator). */
function fillHalf(view: Uint8Array, seed: number) {
  const u16 = new Uint16Array(view.buffer, view.byteOffset, view.byteLength / 2);
  let x = seed | 1;
  for (let i = 0; i < u16.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    u16[i] = (x & 0x83ff) | 0x2400; // exponent 9: |v| in [2^-6, 2^-5)
  }
}

/**
 * The U-Net's ONNX bytes: a MatMul (weight [in, out]) or 1×1 Conv (weight [out, in, 1, 1]) per module, each
 * weight a float16 initializer with raw_data, filled; a filler initializer brings the file to `totalBytes`.
 */
export function syntheticUnet(modules: SyntheticModule[], totalBytes: number): { bytes: Uint8Array; patchedBytes: number } {
  const graph = new ProtoWriter();
  const unet = modules.filter((m) => m.part === "unet");
  unet.forEach((m, i) => {
    // torch.onnx's node names: one segment per module, a ModuleList index stays with its list (`down_blocks.0`)
    const segments = m.path
      .replace(/\.(\d+)/g, "#$1")
      .split(".")
      .map((s) => s.replace("#", "."));
    const op = m.conv ? "Conv" : "MatMul";
    graph.message(
      1,
      new ProtoWriter()
        .string(1, "x")
        .string(1, `w${i}`)
        .string(2, `y${i}`)
        .string(3, `/${segments.join("/")}/${op}`)
        .string(4, op),
    );
  });
  let patchedBytes = 0;
  const initializer = (name: string, dims: number[], seed: number) => {
    const raw = new Uint8Array(dims.reduce((a, b) => a * b, 1) * 2);
    fillHalf(raw, seed);
    const t = new ProtoWriter();
    for (const d of dims) t.int(1, d);
    graph.message(5, t.int(2, 10).string(8, name).message(9, raw));
    return raw.length;
  };
  unet.forEach((m, i) => (patchedBytes += initializer(`w${i}`, m.conv ? [m.out, m.in, 1, 1] : [m.in, m.out], i + 1)));
  const rest = totalBytes - patchedBytes;
  if (rest > 0) initializer("filler", [Math.floor(rest / 2)], 7);
  return { bytes: new ProtoWriter().int(1, 8).message(7, graph).concat(), patchedBytes };
}

/** A kohya LoRA file: `.lora_down.weight` [rank, in(,1,1)], `.lora_up.weight` [out, rank(,1,1)], `.alpha`, float16. */
export function syntheticLora(modules: SyntheticModule[], rank: number): Uint8Array {
  const header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> = {};
  let offset = 0;
  const add = (name: string, shape: number[]) => {
    const size = shape.reduce((a, b) => a * b, 1) * 2;
    header[name] = { dtype: "F16", shape, data_offsets: [offset, offset + size] };
    offset += size;
  };
  for (const m of modules) {
    const key = `${m.part === "unet" ? "lora_unet_" : "lora_te_"}${m.path.replace(/\./g, "_")}`;
    add(`${key}.lora_down.weight`, m.conv ? [rank, m.in, 1, 1] : [rank, m.in]);
    add(`${key}.lora_up.weight`, m.conv ? [m.out, rank, 1, 1] : [m.out, rank]);
    add(`${key}.alpha`, []);
  }
  // the format pads the header with spaces to a multiple of 8, so the data is aligned
  const text = JSON.stringify(header);
  const json = new TextEncoder().encode(text.padEnd(Math.ceil(text.length / 8) * 8, " "));
  const file = new Uint8Array(8 + json.length + offset);
  new DataView(file.buffer).setBigUint64(0, BigInt(json.length), true);
  file.set(json, 8);
  fillHalf(file.subarray(8 + json.length), 3);
  return file;
}
