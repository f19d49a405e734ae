import type * as Ort from "onnxruntime-common";
import { EngineStalledError, GPUDeviceLostError } from "../errors";
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
 * How long one session.run may take before the runtime counts as stuck. Generous: a step is compared
 * with the same session's step before it, and a session's first run compiles shaders.
 */
export interface Watchdog {
  minMs: number;
  /** Times the session's previous run. */
  factor: number;
  firstRunMs: number;
}

// a first run on WASM of a large model (an SDXL U-Net, a 1024² VAE decode) can take minutes on a slow CPU
export const DEFAULT_WATCHDOG: Watchdog = { minMs: 30_000, factor: 10, firstRunMs: 600_000 };

export interface RuntimeGuards {
  watchdog?: Watchdog;
  /** Called once a session exists (the WebGPU runtime's device exists from then on, so it is watched from here). */
  onSessionCreated?: () => void;
}

/**
 * What onnxruntime-web's WebGPU backend throws when its device is gone (Chromium's texts): a lost
 * device fails the next buffer read rather than announcing itself.
 */
const DEVICE_LOSS = /external Instance reference|mapAsync|device (?:is |was |has been )?lost|Instance dropped/i;

/**
 * Wraps one onnxruntime module and execution-provider choice. session.run calls are serialised:
 * the WebGPU and WASM backends do not run two sessions at once safely. Every run is watched: a run
 * that outlasts its watchdog, or a lost GPU device, breaks the runtime, and from then on every run
 * fails at once with the reason instead of waiting on a backend that will never answer.
 */
export class Runtime {
  readonly stats: RunStats = { runs: 0, runMs: 0 };
  private queue: Promise<unknown> = Promise.resolve();
  private brokenBy: Error | undefined;
  private readonly runsInFlight = new Set<(err: Error) => void>();
  private readonly watchdog: Watchdog;

  constructor(
    readonly ort: OrtModule,
    readonly backend: BackendInfo,
    private readonly executionProviders: string[],
    private readonly sessionOptions: Ort.InferenceSession.SessionOptions = {},
    private readonly guards: RuntimeGuards = {},
  ) {
    this.watchdog = guards.watchdog ?? DEFAULT_WATCHDOG;
  }

  /** Why this runtime can no longer run anything; undefined while it works. */
  get broken(): Error | undefined {
    return this.brokenBy;
  }

  /** Fails the run in progress and every later one with `err` (the device is gone, or the backend is stuck). */
  markBroken(err: Error): void {
    if (this.brokenBy) return;
    this.brokenBy = err;
    for (const fail of this.runsInFlight) fail(err);
  }

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
    const session = await this.untilBroken(
      typeof model === "string" ? this.ort.InferenceSession.create(model, options) : this.ort.InferenceSession.create(model, options),
    );
    this.guards.onSessionCreated?.();
    const inputs: InputInfo[] = session.inputMetadata.map((m) =>
      m.isTensor ? { name: m.name, type: m.type, shape: m.shape } : { name: m.name, type: "unknown", shape: [] },
    );
    let lastRunMs: number | undefined;
    return {
      inputs,
      outputNames: session.outputNames,
      run: async (feeds) => {
        const cast = castFeeds(this.ort, inputs, feeds);
        const { minMs, factor, firstRunMs } = this.watchdog;
        const limitMs = lastRunMs === undefined ? firstRunMs : Math.max(minMs, factor * lastRunMs);
        const t0 = performance.now();
        const outputs = await this.serialised(() => session.run(cast), limitMs);
        lastRunMs = performance.now() - t0;
        return floatOutputs(this.ort, outputs);
      },
      release: () => session.release(),
    };
  }

  private serialised<T>(fn: () => Promise<T>, limitMs: number): Promise<T> {
    const run = this.queue.then(() => this.watched(fn, limitMs));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** `fn`'s result, or the reason the runtime broke meanwhile: its watchdog fired or its device was lost. */
  private async watched<T>(fn: () => Promise<T>, limitMs: number): Promise<T> {
    const t0 = performance.now();
    const timer = setTimeout(() => {
      const what = this.backend.name === "webgpu" ? "GPU" : "engine";
      const message = `The ${what} stopped answering: one model run took over ${Math.round(limitMs / 1000)} s. Restarting the engine.`;
      this.markBroken(new EngineStalledError(message, { limitMs }));
    }, limitMs);
    try {
      return await this.untilBroken(fn());
    } finally {
      clearTimeout(timer);
      this.stats.runs += 1;
      this.stats.runMs += performance.now() - t0;
    }
  }

  /** `work`'s result, or the reason the runtime broke before it settled; onnxruntime's device-loss errors break it too. */
  private untilBroken<T>(work: Promise<T>): Promise<T> {
    if (this.brokenBy) {
      // the work has started all the same: how it ends (its session released meanwhile) no longer matters
      work.catch(() => undefined);
      return Promise.reject(this.brokenBy);
    }
    return new Promise<T>((resolve, reject) => {
      const fail = (err: unknown) => {
        this.runsInFlight.delete(fail);
        reject(err);
      };
      this.runsInFlight.add(fail);
      work.then(
        (value) => {
          this.runsInFlight.delete(fail);
          resolve(value);
        },
        (err: unknown) => fail(this.asDeviceLoss(err)),
      );
    });
  }

  /** onnxruntime's own error, or GPUDeviceLostError (which also breaks the runtime) when it says the device is gone. */
  private asDeviceLoss(err: unknown): unknown {
    if (this.brokenBy) return this.brokenBy;
    if (this.backend.name !== "webgpu" || !(err instanceof Error) || !DEVICE_LOSS.test(err.message)) return err;
    this.markBroken(deviceLost(err.message));
    return this.brokenBy;
  }
}

/** The error every job meets once the GPU device is gone. */
export function deviceLost(detail: string): GPUDeviceLostError {
  return new GPUDeviceLostError(`The GPU was reset (${detail.slice(0, 200)}). Retrying on a new device.`);
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
      out[name] = new ort.Tensor(
        "int64",
        BigInt64Array.from(tensor.data as Int32Array, (v) => BigInt(v)),
        tensor.dims,
      );
    } else if (want === "int32" && tensor.type === "int64") {
      out[name] = new ort.Tensor(
        "int32",
        Int32Array.from(tensor.data as BigInt64Array, (v) => Number(v)),
        tensor.dims,
      );
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
