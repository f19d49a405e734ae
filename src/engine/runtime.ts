import type * as Ort from "onnxruntime-common";
import { fromHalfArray, toHalfArray } from "./float16";

/** The part of onnxruntime's API the engine uses; onnxruntime-web and onnxruntime-node both provide it. */
export type OrtModule = Pick<typeof Ort, "InferenceSession" | "Tensor">;
export type OrtTensor = Ort.Tensor;

export type BackendName = "webgpu" | "wasm" | "cpu";

export interface BackendInfo {
  name: BackendName;
  /** Why this backend was chosen, shown to the user. */
  reason: string;
  /** WASM/CPU threads; 1 where the page is not cross-origin isolated. */
  threads: number;
  /** Whether the GPU adapter has `shader-f16` (WebGPU only). */
  shaderF16: boolean;
  /** Largest single buffer the backend should be asked for (WebGPU binding limits; WASM memory). */
  maxBufferBytes: number;
}

/** Whether models with half-precision weights or arithmetic can run: WebGPU with `shader-f16`, nothing else. */
export function runsHalfPrecision(backend: BackendInfo): boolean {
  return backend.name === "webgpu" && backend.shaderF16;
}

export interface InputInfo {
  name: string;
  type: string;
  shape: ReadonlyArray<number | string>;
}

export interface ModelSession {
  readonly inputs: InputInfo[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

/**
 * Weights kept beside a graph, by the file name the graph records: their bytes, or a location ONNX Runtime opens
 * itself (onnxruntime-web streams a URL of over 1 GB into memory it allocates, where one ArrayBuffer could not hold it).
 */
export interface ExternalDataFile {
  path: string;
  data: Uint8Array | string;
}

/** Time spent inside session.run, so benchmarks can tell engine overhead from model time. */
export interface RunStats {
  runs: number;
  runMs: number;
}

/**
 * Wraps one onnxruntime module and execution-provider choice. session.run calls are serialised:
 * the WebGPU and WASM backends do not run two sessions at once safely.
 */
export class Runtime {
  readonly stats: RunStats = { runs: 0, runMs: 0 };
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly ort: OrtModule,
    readonly backend: BackendInfo,
    private readonly executionProviders: string[],
    private readonly sessionOptions: Ort.InferenceSession.SessionOptions = {},
  ) {}

  tensor(type: "float32", data: Float32Array, dims: readonly number[]): OrtTensor;
  tensor(type: "int32", data: Int32Array, dims: readonly number[]): OrtTensor;
  tensor(type: "int64", data: BigInt64Array, dims: readonly number[]): OrtTensor;
  tensor(type: "float16", data: Uint16Array, dims: readonly number[]): OrtTensor;
  tensor(type: Ort.Tensor.Type, data: Ort.Tensor.DataType, dims: readonly number[]): OrtTensor {
    return new this.ort.Tensor(type as "float32", data as Float32Array, dims);
  }

  /**
   * `model` is the graph's bytes or a location ONNX Runtime opens itself: a file path in Node, where it also finds the
   * external data beside the graph (onnxruntime-node ignores `externalData`), or a URL in a browser.
   */
  async createSession(model: Uint8Array | string, externalData: ExternalDataFile[] = []): Promise<ModelSession> {
    // a graph opened from a file path brings the external data beside it (onnxruntime-node); bytes and URLs need it given
    const fromPath = typeof model === "string" && !URL_SCHEME.test(model);
    const options: Ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: "all",
      // the CPU arena keeps its high-water mark of activations: for a full-size U-Net at 512² it lifted the peak from
      // 1.39× to 1.57× the weights (bench/fullSize.ts); small models keep it, for speed
      ...(isLarge(model, externalData) ? { enableCpuMemArena: false } : {}),
      ...this.sessionOptions,
      executionProviders: this.executionProviders,
      ...(externalData.length > 0 && !fromPath ? { externalData } : {}),
    };
    const session =
      typeof model === "string" ? await this.ort.InferenceSession.create(model, options) : await this.ort.InferenceSession.create(model, options);
    const inputs: InputInfo[] = session.inputMetadata.map((m) =>
      m.isTensor ? { name: m.name, type: m.type, shape: m.shape } : { name: m.name, type: "unknown", shape: [] },
    );
    return {
      inputs,
      outputNames: session.outputNames,
      run: async (feeds) => {
        const cast = castFeeds(this.ort, inputs, feeds);
        return floatOutputs(this.ort, await this.serialised(() => session.run(cast)));
      },
      release: () => session.release(),
    };
  }

  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      const t0 = performance.now();
      try {
        return await fn();
      } finally {
        this.stats.runs += 1;
        this.stats.runMs += performance.now() - t0;
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** Models whose weights are this large (or opened from a location, which only large ones are) run without the CPU arena. */
const LARGE_MODEL_BYTES = 256 * 2 ** 20;

function isLarge(model: Uint8Array | string, externalData: ExternalDataFile[]): boolean {
  const sizes = [model, ...externalData.map((e) => e.data)].map((d) => (typeof d === "string" ? Infinity : d.length));
  return sizes.reduce((a, b) => a + b, 0) > LARGE_MODEL_BYTES;
}

/** blob:, http:, https: … — a location that is not a file path. */
const URL_SCHEME = /^[a-z][a-z0-9+.-]+:/i;

/**
 * The engine computes in float32 and int32; a model's boundary may be float16 (q4f16 exports) or
 * int64 (some text encoders). Feeds are cast to what the session declares, so one code path serves both.
 */
function castFeeds(ort: OrtModule, inputs: InputInfo[], feeds: Record<string, OrtTensor>): Record<string, OrtTensor> {
  const out: Record<string, OrtTensor> = {};
  for (const [name, tensor] of Object.entries(feeds)) {
    const want = inputs.find((i) => i.name === name)?.type;
    if (want === "float16" && tensor.type === "float32") {
      out[name] = new ort.Tensor("float16", toHalfArray(tensor.data as Float32Array), tensor.dims);
    } else if (want === "int64" && tensor.type === "int32") {
      out[name] = new ort.Tensor("int64", BigInt64Array.from(tensor.data as Int32Array, (v) => BigInt(v)), tensor.dims);
    } else if (want === "int32" && tensor.type === "int64") {
      out[name] = new ort.Tensor("int32", Int32Array.from(tensor.data as BigInt64Array, (v) => Number(v)), tensor.dims);
    } else {
      out[name] = tensor;
    }
  }
  return out;
}

function floatOutputs(ort: OrtModule, outputs: Record<string, OrtTensor>): Record<string, OrtTensor> {
  const out: Record<string, OrtTensor> = {};
  for (const [name, tensor] of Object.entries(outputs)) {
    if (tensor.type !== "float16") {
      out[name] = tensor;
      continue;
    }
    // onnxruntime gives half bits as Uint16Array, or a Float16Array where the platform has one
    const data = tensor.data instanceof Uint16Array ? fromHalfArray(tensor.data) : Float32Array.from(tensor.data as ArrayLike<number>);
    out[name] = new ort.Tensor("float32", data, tensor.dims);
  }
  return out;
}
