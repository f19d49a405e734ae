/**
 * The one message protocol between the UI (or the embed widget) and the engine worker.
 * Requests carry an id; every event names the request it belongs to.
 */
import type { SerializedError } from "./errors";
import type { GenerateParams, PromptSyntax, VaeTiling } from "./params";

export type BackendChoice = "auto" | "webgpu" | "wasm";

/** img2img / inpainting / outpainting source sent with a job. */
export interface InitImageMessage {
  image: RgbaImageMessage;
  /** How a source of another size is brought to the generation size. */
  fit: "crop" | "pad";
  /** Inpainting: one byte per source pixel, 255 = regenerate. */
  mask?: Uint8Array;
  /** Feathering of the mask's edge in pixels (A1111's "Mask blur"). */
  maskBlur?: number;
  /**
   * Outpainting: pixels to add on each side; the new area is filled and regenerated, and with it a band of
   * the source `seam` pixels wide along each extended edge (default DEFAULT_OUTPAINT_SEAM).
   */
  outpaint?: { left: number; right: number; top: number; bottom: number; seam?: number };
}

/** VAE tiling, as params.ts defines it (the engine's own type: the same on both sides). */
export type VaeTilingMessage = VaeTiling;

/** Which model runs, in which precision, on which backend: what a generation and a preload share. */
export interface ModelTarget {
  modelId: string;
  /** Where hub models come from (Hugging Face, a mirror, or a local server). */
  hubBase?: string;
  /** URL of the folder holding the model's model.json and files. */
  modelBase: string;
  /** Variant id from the manifest; the engine picks the first usable one when absent. */
  variant?: string;
  backend: BackendChoice;
  /** Stored LoRAs to apply (by name), each with its strength; `<lora:name:strength>` prompt tags add to these. */
  loras?: LoraChoice[];
}

export interface LoraChoice {
  name: string;
  strength: number;
}

/** A LoRA file kept in the weight cache. */
export interface LoraInfo {
  name: string;
  bytes: number;
}

export type LoraAction =
  | { op: "list" }
  /** A `.safetensors` file the user picked or dropped; checked before it is stored. */
  | { op: "add"; name: string; data: Uint8Array }
  /** A file's address (a hub `resolve/` URL); fetched, checked and stored. */
  | { op: "addUrl"; url: string }
  | { op: "remove"; name: string };

export interface GenerateJob extends ModelTarget {
  params: GenerateParams;
  previews: boolean;
  init?: InitImageMessage;
  tiling?: VaeTilingMessage;
}

export type WorkerRequest =
  | { kind: "generate"; id: string; job: GenerateJob }
  /**
   * Starts the runtime and creates the model's sessions before any generation asks for them, so the first
   * Generate does not wait for them. Runs in turn with generations; only the latest preload is carried out.
   * Answered with status events ending in "done" (or an error, or "cancelled" when a newer preload replaced it).
   */
  | { kind: "preload"; id: string; target: ModelTarget }
  /** Stops a generation (running or queued) or pauses a download; what a download stored is kept. */
  | { kind: "cancel"; id: string }
  /** `again` names a stored file (one that would not load) to delete first, so just that file is fetched anew. */
  | { kind: "download"; id: string; modelId: string; variant?: string; hubBase: string; again?: string }
  | { kind: "deleteModel"; id: string; modelId: string }
  | { kind: "storage"; id: string }
  /** What this device's GPU can run, so the model picker can say which models it cannot (answered with "device"). */
  | { kind: "device"; id: string }
  /** How the target model's tokenizer reads a prompt, for the prompt help (answered with "tokens"). */
  | { kind: "tokenize"; id: string; target: ModelTarget; text: string; syntax?: PromptSyntax }
  /** Answered with a "loras" event listing the stored LoRAs after the action. */
  | { kind: "loras"; id: string; action: LoraAction };

export interface DeviceReport {
  webgpu: boolean;
  shaderF16: boolean;
  /** Why WebGPU is missing, or which adapter was found. */
  reason: string;
}

/** A prompt as the model's tokenizer sees it. */
export interface PromptTokens {
  /** Tokens the prompt takes, without the start and end tokens. */
  count: number;
  /** Tokens the text encoder sees (CLIP: 75); the rest is ignored. */
  limit: number;
  /** The text beyond the limit, which the model never sees. */
  ignored?: string;
  /** The whole vocabulary where it is small enough to list (a word-level tokenizer such as the built-in model's). */
  vocabulary?: string[];
  /** Words of the prompt the vocabulary lacks; only with `vocabulary`. */
  unknownWords: string[];
}

export type DownloadStatus =
  | { status: "initiate"; modelId: string }
  | {
      status: "progress";
      modelId: string;
      file: string;
      index?: number;
      count?: number;
      loaded: number;
      total?: number;
      bytesPerSecond: number;
      etaSeconds?: number;
      /** Why the file started again from byte 0 (it changed on the hub), once it did. */
      restarted?: string;
    }
  | { status: "done"; modelId: string };

export interface ModelStorage {
  modelId: string;
  /** Bytes stored, partial files included. */
  bytes: number;
  /** Files complete, out of the variant's total. */
  done: number;
  /** Complete files checked against a size or SHA-256 from the manifest or the hub (not just their own length). */
  verified: number;
  total: number;
}

export interface StorageReport {
  /** False where the browser gives no storage (private window, sandboxed iframe): models are not kept. */
  cache: boolean;
  models: ModelStorage[];
  estimate?: { usage: number; quota: number };
}

export interface RgbaImageMessage {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface BackendMessage {
  name: "webgpu" | "wasm" | "cpu";
  reason: string;
  threads: number;
  shaderF16: boolean;
}

export type LoadStatus =
  | { status: "initiate"; modelId: string }
  | { status: "progress"; modelId: string; file: string; index: number; count: number; applyingLora?: boolean }
  /** `warnings`: what the user should know about the LoRAs applied (keys that matched no weight). */
  | { status: "done"; modelId: string; variant: string; backend: BackendMessage; warnings?: string[] };

export interface ResultMessage {
  png: Uint8Array;
  width: number;
  height: number;
  /** The seed used: a random one when the request said −1. */
  seed: number;
  /** AUTOMATIC1111 `parameters` text written into the PNG. */
  parameters: string;
  params: GenerateParams;
  modelId: string;
  /** Stage wall times; runMs is the part spent inside ONNX Runtime's session.run. */
  timings: { totalMs: number; textMs: number; denoiseMs: number; decodeMs: number; runMs: number; loadMs: number };
  /** What the image does not follow of the request (e.g. a prompt cut short), in words for the user. */
  warnings: string[];
}

export type WorkerEvent =
  | { kind: "status"; id: string; status: LoadStatus }
  | { kind: "progress"; id: string; step: number; steps: number; elapsedMs: number }
  | { kind: "preview"; id: string; step: number; image: RgbaImageMessage }
  | { kind: "result"; id: string; result: ResultMessage }
  | { kind: "cancelled"; id: string }
  | { kind: "download"; id: string; status: DownloadStatus }
  | { kind: "storage"; id: string; report: StorageReport }
  | { kind: "deleted"; id: string; modelId: string }
  | { kind: "device"; id: string; report: DeviceReport }
  | { kind: "tokens"; id: string; report: PromptTokens }
  | { kind: "loras"; id: string; loras: LoraInfo[] }
  | { kind: "error"; id: string; error: SerializedError };

/** How the worker's parts send an event to the UI; `transfer` hands over buffers instead of copying them. */
export type PostEvent = (event: WorkerEvent, transfer?: Transferable[]) => void;
