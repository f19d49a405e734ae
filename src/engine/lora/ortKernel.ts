/**
 * The LoRA sum W + left @ right computed by ONNX Runtime instead of JavaScript: MLAS's SIMD, multi-threaded
 * matrix product (WASM in the browser, native in Node) is some tens of times faster than a JS loop, which matters
 * for an SD 1.5 LoRA's ~34 G multiply-adds. The graph takes the weight in its own type (float16 or float32), adds
 * the product in float32 and gives the weight back in its type, rounded by ORT's Cast (to nearest even); its
 * output's bytes are copied over the weight's. It runs on the CPU/WASM execution provider whatever the model's.
 */
import type { OrtModule } from "../runtime";
import { ONNX_FLOAT, ONNX_FLOAT16 } from "./onnxGraph";
import type { LowRankAdder } from "./patch";
import { ProtoWriter } from "./protobufWriter";

type Session = Awaited<ReturnType<OrtModule["InferenceSession"]["create"]>>;

function valueInfo(name: string, elemType: number, dims: string[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) shape.message(1, new ProtoWriter().string(2, d));
  const tensorType = new ProtoWriter().int(1, elemType).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

function node(op: string, inputs: string[], output: string, to?: number): ProtoWriter {
  const n = new ProtoWriter();
  for (const i of inputs) n.string(1, i);
  n.string(2, output).string(3, output).string(4, op);
  if (to !== undefined) n.message(5, new ProtoWriter().string(1, "to").int(3, to).int(20, 2));
  return n;
}

/** out = W + A @ B, W and out in `weightType`, A and B float32. */
export function lowRankSumModel(weightType: number): Uint8Array {
  const graph = new ProtoWriter();
  graph.message(1, node("MatMul", ["A", "B"], "D"));
  if (weightType === ONNX_FLOAT16) {
    graph.message(1, node("Cast", ["W"], "Wf", ONNX_FLOAT));
    graph.message(1, node("Add", ["Wf", "D"], "S"));
    graph.message(1, node("Cast", ["S"], "out", ONNX_FLOAT16));
  } else {
    graph.message(1, node("Add", ["W", "D"], "out"));
  }
  graph.string(2, "lora_sum");
  graph.message(11, valueInfo("W", weightType, ["rows", "cols"]));
  graph.message(11, valueInfo("A", ONNX_FLOAT, ["rows", "rank"]));
  graph.message(11, valueInfo("B", ONNX_FLOAT, ["rank", "cols"]));
  graph.message(12, valueInfo("out", weightType, ["rows", "cols"]));
  return new ProtoWriter().int(1, 8).message(8, new ProtoWriter().string(1, "").int(2, 17)).message(7, graph).concat();
}

/** A LowRankAdder on ORT's CPU provider ("cpu" in Node, "wasm" in the browser); release() frees its sessions. */
export function ortLowRankAdder(ort: OrtModule, executionProvider: "cpu" | "wasm"): LowRankAdder & { release(): Promise<void> } {
  const sessions = new Map<number, Promise<Session>>();
  const sessionFor = (type: number) => {
    let s = sessions.get(type);
    if (!s) {
      s = ort.InferenceSession.create(lowRankSumModel(type), { executionProviders: [executionProvider], graphOptimizationLevel: "all" });
      sessions.set(type, s);
    }
    return s;
  };
  return {
    async add(target, dataType, rows, cols, rank, left, right) {
      const session = await sessionFor(dataType);
      // an aligned copy: raw_data may start at any byte, and ORT copies its inputs anyway
      const weight = target.slice();
      const w =
        dataType === ONNX_FLOAT16
          ? new ort.Tensor("float16", new Uint16Array(weight.buffer), [rows, cols])
          : new ort.Tensor("float32", new Float32Array(weight.buffer), [rows, cols]);
      const out = await session.run({ W: w, A: new ort.Tensor("float32", left, [rows, rank]), B: new ort.Tensor("float32", right, [rank, cols]) });
      const data = out.out.data as ArrayBufferView;
      target.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      out.out.dispose();
    },
    async release() {
      await Promise.all([...sessions.values()].map((s) => s.then((x) => x.release())));
    },
  };
}
