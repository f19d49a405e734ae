/**
 * Custom models the user added, kept in IndexedDB so they survive reloads. Both sides open it: the UI
 * adds and lists entries, the worker looks them up to download and load them (it has no localStorage).
 */
import { createStore, del, get, set, values } from "idb-keyval";
import { errorMessage } from "../errors";
import type { CustomModelEntry } from "./customModel";

export const CUSTOM_MODELS_DB = "diffusion-custom-models";

export interface CustomModelStore {
  /** Oldest first, as they were added. */
  list(): Promise<CustomModelEntry[]>;
  get(id: string): Promise<CustomModelEntry | undefined>;
  /** Adds the entry, or replaces the one with the same manifest id. */
  put(entry: CustomModelEntry): Promise<void>;
  delete(id: string): Promise<void>;
}

/** The store, or null (after a warning) where the browser gives the page no IndexedDB. */
export async function openCustomModelStore(dbName = CUSTOM_MODELS_DB): Promise<CustomModelStore | null> {
  if (typeof indexedDB === "undefined") return null;
  try {
    const store = createStore(dbName, "models");
    // opening is lazy; reading proves the database really opens (it throws in some private modes)
    await values(store);
    return {
      list: async () => (await values<CustomModelEntry>(store)).sort((a, b) => a.custom.addedAt - b.custom.addedAt),
      get: (id) => get<CustomModelEntry>(id, store),
      put: (entry) => set(entry.manifest.id, entry, store),
      delete: (id) => del(id, store),
    };
  } catch (err) {
    console.warn(`Custom models cannot be kept (${errorMessage(err)}).`);
    return null;
  }
}
