/**
 * The widget's side of the postMessage API: takes messages from host pages, turns allowed, well-formed
 * requests into jobs on the store's queue, and sends each job's events back to the page that asked, and
 * only to it. Knows nothing of the DOM: `main.ts` hands it each message with a way to answer.
 */
import { limitsFor, RANDOM_SEED, validateParams, type GenerateParams } from "../params";
import { newJobId } from "../ui/formSlice";
import { drawSeed, QUEUE_LIMIT } from "../ui/queue";
import type { AppStore, JobEvent } from "../ui/store";
import { isAllowed, type Allowlist } from "./origins";
import { EMBED_VERSION, envelope, type EmbedErrorInfo, type EmbedParams, type WidgetEvent, type WidgetInfo } from "./protocol";
import { describe, parseHostMessage } from "./validate";

/** The page a message came from, and a way to answer it (at its own origin only). */
export interface Requester {
  origin: string;
  post(event: WidgetEvent): void;
}

const MAX_WAITING_HELLOS = 32;

export interface RouterOptions {
  allow: Allowlist;
  store: AppStore;
  /** Defaults the site owner set in the embed URL, over the model's. */
  defaults: EmbedParams;
  crossOriginIsolated: boolean;
  /** Told about each message from an origin that is not allowed (for the console); it gets no answer. */
  onRefused?(origin: string): void;
}

export interface EmbedRouter {
  receive(data: unknown, from: Requester): void;
}

export function createEmbedRouter({ allow, store, defaults, crossOriginIsolated, onRefused }: RouterOptions): EmbedRouter {
  /** Requests in flight by origin and id, so one page can neither reuse nor cancel another page's ids. */
  const inFlight = new Map<string, string>();
  const waitingForReady: { from: Requester; id: string }[] = [];
  const keyOf = (from: Requester, id: string) => `${from.origin} ${id}`;

  const send = (from: Requester, event: WidgetEvent) => {
    try {
      from.post(envelope(event));
    } catch (err) {
      // The host page may have navigated away; that is no reason for the widget to stop.
      console.warn("Could not answer the host page.", err);
    }
  };
  const fail = (from: Requester, id: string | null, error: EmbedErrorInfo) => send(from, { type: "error", id, error });

  const widgetDefaults = (): GenerateParams | undefined => {
    const manifest = store.getState().manifest;
    if (!manifest) return undefined;
    const d = manifest.defaults;
    return {
      prompt: "",
      negativePrompt: "",
      seed: RANDOM_SEED,
      steps: d.steps,
      guidance: d.guidance,
      width: d.width,
      height: d.height,
      sampler: d.sampler,
      ...defaults,
    };
  };

  const info = (): WidgetInfo | undefined => {
    const s = store.getState();
    const params = widgetDefaults();
    if (!s.manifest || !params) return undefined;
    const { sizes, maxSteps, samplers } = limitsFor(s.manifest);
    return {
      version: EMBED_VERSION,
      model: { id: s.manifest.id, name: s.manifest.name },
      defaults: params,
      limits: { minSize: sizes.min, maxSize: sizes.max, sizeMultiple: sizes.multiple, maxSteps, samplers: [...samplers] },
      crossOriginIsolated,
    };
  };

  // Hellos that came before the model's description answer as soon as it loads (or fails to).
  store.subscribe((s) => {
    if (waitingForReady.length === 0) return;
    const ready = info();
    if (!ready && !s.error) return;
    for (const { from, id } of waitingForReady.splice(0)) {
      if (ready) send(from, { type: "ready", id, info: ready });
      else if (s.error) fail(from, id, { name: s.error.name, message: s.error.message });
    }
  });

  function forward(from: Requester, id: string, key: string, previews: boolean, event: JobEvent) {
    switch (event.kind) {
      case "started":
        return send(from, { type: "started", id });
      case "status":
        return send(from, { type: "status", id, text: event.text });
      case "progress":
        return send(from, { type: "progress", id, step: event.step, steps: event.steps });
      case "preview":
        return previews ? send(from, { type: "preview", id, step: event.step, image: event.image }) : undefined;
      case "result": {
        inFlight.delete(key);
        const { blob, width, height, seed, parameters, params, warnings } = event.image;
        return send(from, { type: "result", id, image: { png: blob, width, height, seed, parameters, params, warnings } });
      }
      case "cancelled":
        inFlight.delete(key);
        return send(from, { type: "cancelled", id });
      case "error":
        inFlight.delete(key);
        return fail(from, id, event.error);
    }
  }

  function generate(from: Requester, id: string, request: EmbedParams, previews: boolean) {
    const key = keyOf(from, id);
    if (inFlight.has(key)) {
      return fail(from, id, {
        name: "DuplicateRequestError",
        message: `A request with id ${describe(id)} is still running; give each request its own id.`,
      });
    }
    const s = store.getState();
    const base = widgetDefaults();
    if (!s.manifest || !base) return fail(from, id, { name: "NotReadyError", message: "The widget is still loading; wait for its ready event." });
    const ahead = (s.current ? 1 : 0) + s.queue.length;
    if (s.queue.length >= QUEUE_LIMIT) {
      return fail(from, id, {
        name: "QueueFullError",
        message: `The widget's queue holds at most ${QUEUE_LIMIT} jobs; wait for results before sending more.`,
      });
    }
    const merged = { ...base, ...request };
    const params = { ...merged, seed: merged.seed === RANDOM_SEED ? drawSeed() : merged.seed };
    const problems = validateParams(params, limitsFor(s.manifest));
    if (problems.length > 0) {
      return fail(from, id, { name: "InvalidParamsError", message: problems.map((p) => p.message).join(" "), field: problems[0].field });
    }
    const job = { id: newJobId(), params };
    inFlight.set(key, job.id);
    send(from, { type: "queued", id, ahead });
    store.getState().enqueue([job], (event) => forward(from, id, key, previews, event));
  }

  return {
    receive(data, from) {
      if (!isAllowed(allow, from.origin)) {
        onRefused?.(from.origin);
        return;
      }
      const parsed = parseHostMessage(data);
      if (!parsed.ok) return fail(from, parsed.id, parsed.error);
      const request = parsed.message;
      switch (request.type) {
        case "hello": {
          const ready = info();
          if (ready) send(from, { type: "ready", id: request.id, info: ready });
          // A client repeats hello until answered; one answer per page is plenty.
          else if (waitingForReady.length < MAX_WAITING_HELLOS) waitingForReady.push({ from, id: request.id });
          return;
        }
        case "generate":
          return generate(from, request.id, request.params, request.previews === true);
        case "cancel": {
          const jobId = inFlight.get(keyOf(from, request.id));
          if (jobId === undefined || !store.getState().cancelJob(jobId)) {
            fail(from, request.id, { name: "UnknownRequestError", message: `No request with id ${describe(request.id)} is queued or running.` });
          }
          return;
        }
      }
    },
  };
}
