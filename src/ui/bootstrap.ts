/** Wiring shared by the app page and the embed widget: the engine worker and the built-in model. */
import { createEngineClient, type EngineClient } from "../client/engineClient";
import { parseManifest, type ModelManifest } from "../manifest";
import type { AppStore, ModelEntry } from "./store";

export function builtInModel(): ModelEntry {
  return {
    id: "tiny-shapes",
    name: "Tiny Shapes (built-in)",
    base: new URL(`${import.meta.env.BASE_URL}models/tiny-shapes`, location.href).href,
  };
}

export function startEngine(): EngineClient {
  // a function, not a worker: the client replaces a worker that is stuck or lost its GPU
  return createEngineClient(() => new Worker(new URL("../../workers/engine.worker.ts", import.meta.url), { type: "module" }));
}

async function fetchManifest(model: ModelEntry): Promise<ModelManifest> {
  const response = await fetch(`${model.base}/model.json`);
  if (!response.ok) throw new Error(`The built-in model's description could not be loaded (HTTP ${response.status}).`);
  return parseManifest(await response.json());
}

/** Loads the model's manifest into the store (or shows why it failed); resolves once either has happened. */
export function loadManifest(store: AppStore): Promise<void> {
  return fetchManifest(store.getState().model).then(
    (manifest) => store.getState().setManifest(manifest),
    (err: unknown) => store.getState().showError(err),
  );
}

/**
 * Loads the model the user chose last time (kept with the settings), or the built-in one when that model is
 * gone (a removed custom model, a catalog entry no longer listed) or is the built-in one.
 */
export async function loadChosenModel(store: AppStore): Promise<void> {
  const builtIn = builtInModel();
  const chosen = store.getState().model.id;
  if (chosen !== builtIn.id) {
    await store.getState().loadCustomModels();
    await store.getState().selectModel(chosen);
    if (store.getState().manifest) return;
  }
  // the built-in model's address is this page's, not the one stored from wherever the app was opened before
  store.setState({ model: builtIn });
  return loadManifest(store);
}
