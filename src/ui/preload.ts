import type { EngineClient, Running, ModelLoaded } from "../client/engineClient";
import { JobCancelledError } from "../errors";
import type { ModelTarget } from "../protocol";
import { activeLoras } from "./loraSlice";
import type { AppState, AppStore } from "./store";

/** The model, variant and backend the form has selected: what a generation runs on and what is preloaded. */
export function modelTarget(s: Pick<AppState, "model" | "hubBase" | "backendChoice" | "variant" | "loras">): ModelTarget {
  const loras = activeLoras(s.loras);
  return {
    modelId: s.model.id,
    modelBase: s.model.base,
    hubBase: s.hubBase,
    backend: s.backendChoice,
    ...(s.variant ? { variant: s.variant } : {}),
    ...(loras.length > 0 ? { loras } : {}),
  };
}

/**
 * Has the engine load the selected model while the user writes the prompt: now, and again whenever the model,
 * its variant or the backend changes. A failed preload shows only in the backend badge: a generation on that model
 * loads it again and reports the error where the user looks. Returns the unsubscribe function.
 */
export function preloadSelectedModel(store: AppStore, engine: EngineClient): () => void {
  let last = "";
  let scheduled = false;
  let running: Running<ModelLoaded> | undefined;
  const preload = () => {
    scheduled = false;
    const target = modelTarget(store.getState());
    const key = JSON.stringify(target);
    if (key === last) return;
    last = key;
    running?.cancel();
    const handle = engine.preload(target, (status) => {
      if (running === handle) store.getState().showLoadStatus(status);
    });
    running = handle;
    handle.done.then(
      (status) => {
        if (running === handle) store.getState().showLoadStatus(status);
      },
      (err: unknown) => {
        // the badge says why no backend runs; a generation on this model reports it again; a replaced preload needs nothing
        if (!(err instanceof JobCancelledError) && running === handle) store.getState().showLoadStatus(undefined, err);
      },
    );
  };
  // selecting a model sets several fields in one go (manifest, model, variant): preload once, for the end state
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(preload);
  };
  schedule();
  return store.subscribe(schedule);
}
