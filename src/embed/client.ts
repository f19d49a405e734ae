/**
 * For host pages: drive an embedded image generator from script.
 *
 *   const client = createImageGeneratorClient(document.querySelector("iframe")!);
 *   const job = client.generate({ prompt: "a red star", steps: 4 }, { onProgress: (p) => … });
 *   const { png, seed } = await job.done;
 *
 * No dependencies and no React: only the protocol's types and constants, so it can be bundled into any page.
 */
import {
  EMBED_PROTOCOL,
  EMBED_VERSION,
  envelope,
  type EmbedErrorInfo,
  type HostParams,
  type GeneratedImage,
  type HostRequest,
  type PreviewImage,
  type WidgetInfo,
  type WidgetMessage,
} from "./protocol";

export type { EmbedParams, GeneratedImage, WidgetInfo } from "./protocol";

/** An error the widget reported (or a timeout, or a cancel); `name` says which, e.g. "InvalidParamsError". */
export class EmbedError extends Error {
  /** The request it belongs to; null for errors about messages without a usable id. */
  readonly requestId: string | null;
  /** For InvalidParamsError: the setting at fault. */
  readonly field?: string;

  constructor(info: EmbedErrorInfo, requestId: string | null) {
    super(info.message);
    this.name = info.name;
    this.requestId = requestId;
    if (info.field !== undefined) this.field = info.field;
  }
}

export interface ClientOptions {
  /** The widget's origin; messages go only there and are accepted only from there. Default: the iframe's `src`. */
  origin?: string;
  /** How long `ready` waits for the widget before it rejects, in milliseconds. Default 20 000. */
  timeoutMs?: number;
  /** Errors that belong to no request of this client, such as the answer to a malformed message. */
  onError?(error: EmbedError): void;
}

export interface GenerateHandlers {
  /** The widget accepted the request; `ahead` jobs run before it. */
  onQueued?(ahead: number): void;
  onStarted?(): void;
  /** Loading the model, generating, … in words. */
  onStatus?(text: string): void;
  onProgress?(progress: { step: number; steps: number }): void;
  /** The image so far after each step; giving this handler asks the widget for previews (`previews: true`). */
  onPreview?(preview: { step: number; image: PreviewImage }): void;
}

export interface Generation {
  /** The request's id, as the widget's events name it. */
  id: string;
  /** The image; rejects with an EmbedError (name "CancelledError" after `cancel()`). */
  done: Promise<GeneratedImage>;
  /** Stops the request whether it is queued or running. */
  cancel(): void;
}

export interface ImageGeneratorClient {
  /** Resolves when the widget has answered, with its model, defaults and limits. */
  ready: Promise<WidgetInfo>;
  generate(params?: HostParams, handlers?: GenerateHandlers): Generation;
  /** Stops listening; pending requests reject. */
  destroy(): void;
}

const HELLO_EVERY_MS = 250;

function isWidgetMessage(data: unknown): data is WidgetMessage {
  return (
    typeof data === "object" &&
    data !== null &&
    "protocol" in data &&
    data.protocol === EMBED_PROTOCOL &&
    "v" in data &&
    data.v === EMBED_VERSION &&
    "type" in data &&
    typeof data.type === "string"
  );
}

const cancelledError = (id: string) => new EmbedError({ name: "CancelledError", message: "Generation cancelled." }, id);

export function createImageGeneratorClient(iframe: HTMLIFrameElement, options: ClientOptions = {}): ImageGeneratorClient {
  const origin = options.origin ?? new URL(iframe.src, iframe.ownerDocument.baseURI).origin;
  const host = iframe.ownerDocument.defaultView ?? window;
  const prefix = Math.random().toString(36).slice(2, 8);
  let counter = 0;
  const newId = () => `${prefix}-${++counter}`;
  const pending = new Map<string, { handlers: GenerateHandlers; resolve(image: GeneratedImage): void; reject(error: Error): void }>();
  // Ids whose generate request has gone to the widget; a cancel before that never needs to reach it.
  const sent = new Set<string>();
  // Messages go to the widget's origin only, so a navigated iframe never receives them.
  const post = (request: HostRequest) => iframe.contentWindow?.postMessage(envelope(request), origin);

  const helloId = newId();
  let settleReady!: { resolve(info: WidgetInfo): void; reject(error: Error): void };
  const ready = new Promise<WidgetInfo>((resolve, reject) => (settleReady = { resolve, reject }));
  // `ready` may never be awaited; its rejection still reaches every generate() through `done`.
  ready.catch(() => undefined);
  // The iframe may not have loaded yet, and a message sent before it has is lost: ask until it answers.
  const hello = setInterval(() => post({ type: "hello", id: helloId }), HELLO_EVERY_MS);
  const timeoutMs = options.timeoutMs ?? 20_000;
  const timeout = setTimeout(() => {
    stopHello();
    settleReady.reject(
      new EmbedError(
        {
          name: "TimeoutError",
          message: `The widget at ${origin} did not answer within ${timeoutMs / 1000} s. Check that its URL's origins parameter lists this page's origin (${host.location.origin}).`,
        },
        helloId,
      ),
    );
  }, timeoutMs);
  const stopHello = () => {
    clearInterval(hello);
    clearTimeout(timeout);
  };
  post({ type: "hello", id: helloId });

  const settle = (id: string) => {
    const request = pending.get(id);
    pending.delete(id);
    sent.delete(id);
    return request;
  };

  const onMessage = (e: MessageEvent) => {
    if (e.source !== iframe.contentWindow || e.origin !== origin || !isWidgetMessage(e.data)) return;
    const event = e.data;
    if (event.type === "ready") {
      if (event.id === helloId) {
        stopHello();
        settleReady.resolve(event.info);
      }
      return;
    }
    if (event.type === "error" && (event.id === null || !pending.has(event.id))) {
      if (event.id === helloId) settleReady.reject(new EmbedError(event.error, helloId));
      else options.onError?.(new EmbedError(event.error, event.id));
      return;
    }
    const handlers = pending.get(event.id ?? "")?.handlers;
    if (!handlers) return;
    switch (event.type) {
      case "queued":
        return handlers.onQueued?.(event.ahead);
      case "started":
        return handlers.onStarted?.();
      case "status":
        return handlers.onStatus?.(event.text);
      case "progress":
        return handlers.onProgress?.({ step: event.step, steps: event.steps });
      case "preview":
        return handlers.onPreview?.({ step: event.step, image: event.image });
      case "result":
        return settle(event.id)?.resolve(event.image);
      case "cancelled":
        return settle(event.id)?.reject(cancelledError(event.id));
      case "error":
        return settle(event.id ?? "")?.reject(new EmbedError(event.error, event.id));
    }
  };
  host.addEventListener("message", onMessage);

  return {
    ready,
    generate(params = {}, handlers = {}) {
      const id = newId();
      const done = new Promise<GeneratedImage>((resolve, reject) => pending.set(id, { handlers, resolve, reject }));
      ready.then(
        () => {
          if (!pending.has(id)) return;
          sent.add(id);
          post(handlers.onPreview ? { type: "generate", id, params, previews: true } : { type: "generate", id, params });
        },
        (error: Error) => settle(id)?.reject(error),
      );
      return {
        id,
        done,
        cancel() {
          if (sent.has(id)) post({ type: "cancel", id });
          else settle(id)?.reject(cancelledError(id));
        },
      };
    },
    destroy() {
      stopHello();
      host.removeEventListener("message", onMessage);
      const error = new EmbedError({ name: "DestroyedError", message: "The client was destroyed." }, null);
      settleReady.reject(error);
      for (const id of [...pending.keys()]) settle(id)?.reject(error);
    },
  };
}
