import { parseManifest } from "../manifest";
import { CATALOG, findEntry, hubBaseFromLocation, normalizeHubBase } from "../models/catalog";
import type { DownloadStatus, StorageReport } from "../protocol";
import type { SliceCreator, StoreDeps } from "./store";

export type DownloadState =
  | { state: "downloading"; progress?: Extract<DownloadStatus, { status: "progress" }> }
  | { state: "paused" }
  | { state: "failed"; message: string };

export interface ModelsSlice {
  /** Where hub models are downloaded from (Hugging Face, a mirror, a local server). */
  hubBase: string;
  storage?: StorageReport;
  downloads: Record<string, DownloadState>;
  /** Problem with the picker itself (storage refused, a model that will not load). */
  modelsError?: string;
  setHubBase(value: string): boolean;
  selectModel(id: string): Promise<void>;
  downloadModel(id: string): void;
  pauseDownload(id: string): void;
  deleteModel(id: string): Promise<void>;
  refreshStorage(): Promise<void>;
}

const HUB_KEY = "hubBase";

function savedHub(): string | null {
  try {
    return localStorage.getItem(HUB_KEY);
  } catch {
    return null;
  }
}

/** The model picker: catalog entries, their download state, storage used, and which model generates. */
export const createModelsSlice =
  (deps: StoreDeps): SliceCreator<ModelsSlice> =>
  (set, get) => {
    const running = new Map<string, () => void>();
    return {
      hubBase: hubBaseFromLocation(typeof location === "undefined" ? "" : location.search, savedHub()),
      downloads: {},

      setHubBase(value) {
        const hub = normalizeHubBase(value);
        if (!hub) return false;
        try {
          localStorage.setItem(HUB_KEY, hub);
        } catch {
          // not kept across visits where storage is refused; still used for this one
        }
        set({ hubBase: hub });
        return true;
      },

      async selectModel(id) {
        const entry = findEntry(CATALOG, id);
        if (!entry) return;
        set({ modelsError: undefined });
        if (entry.kind === "builtin") {
          const base = new URL(`${import.meta.env.BASE_URL}${entry.base}`, location.href).href;
          try {
            const res = await fetch(`${base}/model.json`);
            if (!res.ok) throw new Error(`HTTP ${res.status}`);
            get().setManifest(parseManifest(await res.json()));
            set({ model: { id, name: entry.name, base } });
          } catch (err) {
            set({ modelsError: `${entry.name} could not be loaded: ${(err as Error).message}.` });
          }
          return;
        }
        set({ model: { id, name: entry.manifest.name, base: get().hubBase } });
        get().setManifest(entry.manifest);
      },

      downloadModel(id) {
        // ask the browser not to evict gigabytes of weights under storage pressure (main thread only)
        void navigator.storage?.persist?.().catch(() => false);
        set((s) => ({ downloads: { ...s.downloads, [id]: { state: "downloading" } }, modelsError: undefined }));
        const job = deps.engine.download(id, get().hubBase, (status) => {
          if (status.status === "progress") set((s) => ({ downloads: { ...s.downloads, [id]: { state: "downloading", progress: status } } }));
        });
        running.set(id, job.cancel);
        job.done.then(
          () => {
            set((s) => ({ downloads: without(s.downloads, id) }));
          },
          (err: unknown) => {
            const paused = err instanceof Error && err.name === "JobCancelledError";
            const next: DownloadState = paused ? { state: "paused" } : { state: "failed", message: (err as Error).message };
            set((s) => ({ downloads: { ...s.downloads, [id]: next } }));
          },
        ).finally(() => {
          running.delete(id);
          void get().refreshStorage();
        });
      },

      pauseDownload(id) {
        running.get(id)?.();
      },

      async deleteModel(id) {
        await deps.engine.deleteModel(id);
        set((s) => ({ downloads: without(s.downloads, id) }));
        await get().refreshStorage();
      },

      async refreshStorage() {
        try {
          set({ storage: await deps.engine.storage() });
        } catch (err) {
          set({ modelsError: `Storage figures are unavailable: ${(err as Error).message}` });
        }
      },
    };
  };

function without<T>(record: Record<string, T>, key: string): Record<string, T> {
  const copy = { ...record };
  delete copy[key];
  return copy;
}
