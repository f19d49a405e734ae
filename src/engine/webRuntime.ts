import type * as Ort from "onnxruntime-common";
import { errorMessage, WebGPUUnavailableError } from "../errors";
import type { BackendChoice, DeviceReport } from "../protocol";
import { deviceLost, Runtime, type BackendInfo } from "./runtime";

/**
 * Where the page serves ORT's loader and .wasm (the bundler decides the URLs). Giving the loader
 * as its own file lets ORT start its thread workers from it rather than from our worker bundle.
 */
export interface WasmAssets {
  mjs: string;
  wasm: string;
}

/** The WebGPU build of ORT's wasm is twice the size of the plain one; only the one in use is fetched. */
export interface OrtAssets {
  webgpu: WasmAssets;
  wasm: WasmAssets;
}

/** Most WASM kernels stop scaling past 4 threads, and more would starve the UI's own thread. */
const MAX_THREADS = 4;

interface GpuProbe {
  ok: boolean;
  shaderF16: boolean;
  reason: string;
  maxBufferBytes: number;
}

/** wasm32 memory is 4 GB at most; a quarter of it for one activation leaves room for the weights. */
const WASM_BUFFER_BUDGET = 2 ** 30;

async function probeWebGpu(): Promise<GpuProbe> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  const no = (reason: string): GpuProbe => ({ ok: false, shaderF16: false, reason, maxBufferBytes: 0 });
  if (!gpu) return no("this browser has no WebGPU (navigator.gpu is missing)");
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (err) {
    return no(`requesting a WebGPU adapter failed (${errorMessage(err)})`);
  }
  if (!adapter) return no("no GPU adapter is available (the browser has WebGPU but offers no GPU for it)");
  const shaderF16 = adapter.features.has("shader-f16");
  const name = adapter.info?.description || adapter.info?.vendor || "GPU";
  return {
    ok: true,
    shaderF16,
    reason: `WebGPU adapter found (${name}${shaderF16 ? ", shader-f16" : ", no shader-f16"})`,
    maxBufferBytes: Math.min(adapter.limits.maxStorageBufferBindingSize, adapter.limits.maxBufferSize),
  };
}

/** What this device's WebGPU offers, without starting a runtime: the model picker marks what cannot run here. */
export async function probeDevice(): Promise<DeviceReport> {
  const probe = await probeWebGpu();
  return { webgpu: probe.ok, shaderF16: probe.shaderF16, reason: probe.reason };
}

/** Knobs for benchmarks; the app takes the defaults. */
export interface WebRuntimeOptions {
  /** At most this many WASM threads, to compare with onnxruntime-node at the same count. */
  maxThreads?: number;
  /** Merged over the session options below (e.g. to compare settings in bench/browser.ts). */
  sessionOptions?: Ort.InferenceSession.SessionOptions;
}

type OrtWeb = typeof import("onnxruntime-web");

async function loadOrt(kind: "webgpu" | "wasm", assets: WasmAssets, threads: number): Promise<OrtWeb> {
  const ort = kind === "webgpu" ? await import("onnxruntime-web") : await import("onnxruntime-web/wasm");
  ort.env.wasm.wasmPaths = assets;
  ort.env.wasm.numThreads = threads;
  ort.env.logLevel = "error";
  return ort;
}

/**
 * The one place that picks an execution provider: WebGPU when an adapter exists (unless WASM
 * was asked for), else WASM, multi-threaded when the page is cross-origin isolated.
 */
export async function createWebRuntime(
  choice: BackendChoice,
  assets: OrtAssets,
  { maxThreads = MAX_THREADS, sessionOptions = {} }: WebRuntimeOptions = {},
): Promise<Runtime> {
  const isolated = globalThis.crossOriginIsolated === true;
  const threads = isolated ? Math.max(1, Math.min(maxThreads, navigator.hardwareConcurrency || 1)) : 1;
  const threadNote = isolated ? `${threads} WASM threads` : "1 WASM thread (the page is not cross-origin isolated, so multi-threading is off)";

  let reason = `WASM chosen in settings; ${threadNote}`;
  if (choice !== "wasm") {
    const probe = await probeWebGpu();
    if (probe.ok) {
      const backend: BackendInfo = {
        name: "webgpu",
        reason: probe.reason,
        threads,
        shaderF16: probe.shaderF16,
        maxBufferBytes: probe.maxBufferBytes,
      };
      const ort = await loadOrt("webgpu", assets.webgpu, threads);
      const runtime: Runtime = new Runtime(ort, backend, ["webgpu"], sessionOptions, { onSessionCreated: () => watchDevice(ort, runtime) });
      return runtime;
    }
    if (choice === "webgpu") {
      throw new WebGPUUnavailableError(`WebGPU was requested, but ${probe.reason}. Choose the WASM backend instead.`);
    }
    reason = `WASM fallback: ${probe.reason}; ${threadNote}`;
  }
  const backend: BackendInfo = { name: "wasm", reason, threads, shaderF16: false, maxBufferBytes: WASM_BUFFER_BUDGET };
  return new Runtime(await loadOrt("wasm", assets.wasm, threads), backend, ["wasm"], sessionOptions);
}

const watched = new WeakSet<GPUDevice>();

/**
 * Breaks the runtime as soon as its GPU device is lost (a driver reset, the GPU process crashed), so the
 * job running fails at once instead of waiting on buffers that will never map. onnxruntime-web creates
 * its device with the first WebGPU session and shows it as `env.webgpu.device`.
 */
function watchDevice(ort: OrtWeb, runtime: Runtime): void {
  void Promise.resolve(ort.env.webgpu.device).then((device: unknown) => {
    if (typeof GPUDevice === "undefined" || !(device instanceof GPUDevice) || watched.has(device)) return;
    watched.add(device);
    void device.lost.then((info) => {
      // "destroyed" is onnxruntime releasing the device on purpose, not a loss
      if (info.reason !== "destroyed") runtime.markBroken(deviceLost(info.message || "the GPU device was lost"));
    });
  });
}
