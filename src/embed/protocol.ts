/**
 * The embed widget's postMessage API: the one place its messages are defined. A host page sends requests
 * to the widget's iframe; the widget answers each with events that carry the request's id.
 *
 * Every message, both ways, carries `protocol` and `v` so either side can tell these messages from any
 * other postMessage traffic and refuse a version it does not speak. This file holds only types, a few
 * constants and one helper, so the client module that host pages import stays tiny.
 */
import type { GenerateParams } from "../params";

export const EMBED_PROTOCOL = "browser-diffusion-embed";
export const EMBED_VERSION = 1;

interface Envelope {
  protocol: typeof EMBED_PROTOCOL;
  v: typeof EMBED_VERSION;
}

/**
 * Settings for one image; any left out take the widget's defaults (its URL's, else the model's).
 * A seed of RANDOM_SEED (−1), or none, draws a random one, reported with the result.
 */
export type EmbedParams = Partial<GenerateParams>;

/**
 * The short names the embed URL has always used, accepted in `generate` params too, so one set of names works
 * in both places: `negative` is `negativePrompt`, `cfg` is `guidance`. Every other setting has one name.
 */
export const PARAM_ALIASES = { negative: "negativePrompt", cfg: "guidance" } as const satisfies Record<string, keyof GenerateParams>;

/** Settings as a host may send them: the param names, or the URL's short names for the same settings. */
export type HostParams = EmbedParams & { negative?: string; cfg?: number };

export type HostRequest =
  /** Asks the widget to announce itself; it answers with `ready` once its model's description has loaded. */
  | { type: "hello"; id: string }
  /** `previews: true` asks for a `preview` event after each step (off by default: each is a full RGBA frame). */
  | { type: "generate"; id: string; params: HostParams; previews?: boolean }
  /** Stops the generate request with this id, running or queued. */
  | { type: "cancel"; id: string };

export type HostMessage = Envelope & HostRequest;

export interface WidgetInfo {
  version: typeof EMBED_VERSION;
  model: { id: string; name: string };
  /** What a generate request gets for each setting it leaves out (seed −1: random). */
  defaults: GenerateParams;
  limits: { minSize: number; maxSize: number; sizeMultiple: number; maxSteps: number; samplers: string[] };
  /**
   * Whether the widget runs cross-origin isolated, so WASM can use several threads. False means one
   * thread: slower, but everything still works.
   */
  crossOriginIsolated: boolean;
}

export interface PreviewImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface GeneratedImage {
  /** The PNG, with AUTOMATIC1111-style `parameters` in a text chunk. */
  png: Blob;
  width: number;
  height: number;
  seed: number;
  parameters: string;
  params: GenerateParams;
  /** What the image does not follow of the request (e.g. a prompt cut short). */
  warnings: string[];
}

/**
 * Error names (each is described in the README's embed section): MalformedMessageError,
 * UnsupportedVersionError, InvalidParamsError (with `field`), NotReadyError, QueueFullError,
 * UnknownRequestError, DuplicateRequestError, and the engine's own (ModelLoadError, WebGPUUnavailableError, …).
 */
export interface EmbedErrorInfo {
  name: string;
  message: string;
  /** For InvalidParamsError: the setting at fault, as the request named it (an unknown one included). */
  field?: string;
}

export type WidgetEvent =
  | { type: "ready"; id: string; info: WidgetInfo }
  /** The request was accepted; `ahead` jobs will run before it. */
  | { type: "queued"; id: string; ahead: number }
  | { type: "started"; id: string }
  | { type: "status"; id: string; text: string }
  | { type: "progress"; id: string; step: number; steps: number }
  /** Only for a generate request with `previews: true`: the image so far, RGBA bytes row by row. */
  | { type: "preview"; id: string; step: number; image: PreviewImage }
  | { type: "result"; id: string; image: GeneratedImage }
  | { type: "cancelled"; id: string }
  /** `id` is null when the message that caused it had no usable id. */
  | { type: "error"; id: string | null; error: EmbedErrorInfo };

export type WidgetMessage = Envelope & WidgetEvent;

/** Wraps a request or an event in the envelope. */
export function envelope<T extends HostRequest | WidgetEvent>(body: T): Envelope & T {
  return { protocol: EMBED_PROTOCOL, v: EMBED_VERSION, ...body };
}
