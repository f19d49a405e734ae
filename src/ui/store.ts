/**
 * One zustand store for the app, built from typed slices: the form, the editing source, the job queue, the gallery
 * and the model picker.
 * Actions are plain functions on the store, so the embed widget and tests can call them without React.
 */
import { createStore, type StateCreator } from "zustand/vanilla";
import type { EngineClient } from "../client/engineClient";
import type { Gallery } from "../gallery/galleryDb";
import type { RgbaImageMessage } from "../protocol";
import type { StorageFigures } from "../storage/errors";
import { createEditSlice, type EditSlice } from "./editSlice";
import { createFormSlice, type FormSlice } from "./formSlice";
import { createGallerySlice, type GallerySlice } from "./gallerySlice";
import { createModelsSlice, type ModelsSlice } from "./modelsSlice";
import { createQueueSlice, type QueueSlice } from "./queueSlice";

export { DEFAULT_PARAMS, MAX_BATCH, problemsFor, type FormProblem } from "./formSlice";
export type { FinishedImage, JobEvent, JobListener, Phase } from "./queueSlice";

export interface ModelEntry {
  id: string;
  name: string;
  /** Folder URL holding model.json and the files it lists. */
  base: string;
}

export interface StoreDeps {
  engine: EngineClient;
  model: ModelEntry;
  /** Where finished images are kept; absent in the embed widget, whose images belong to the host page. */
  gallery?: Gallery;
  /** Turns a user's image file into pixels; the browser's decoder unless a test brings its own. */
  decodeImage?: (file: Blob, name: string) => Promise<RgbaImageMessage>;
  /** The browser's storage figures (navigator.storage.estimate) unless a test brings its own. */
  storageEstimate?: () => Promise<StorageFigures | undefined>;
}

export type AppState = FormSlice & EditSlice & QueueSlice & GallerySlice & ModelsSlice;
export type SliceCreator<T> = StateCreator<AppState, [], [], T>;
export type AppStore = ReturnType<typeof createAppStore>;

export function createAppStore(deps: StoreDeps) {
  return createStore<AppState>()((...a) => ({
    ...createFormSlice(deps)(...a),
    ...createEditSlice(deps)(...a),
    ...createQueueSlice(deps)(...a),
    ...createGallerySlice(deps)(...a),
    ...createModelsSlice(deps)(...a),
  }));
}
