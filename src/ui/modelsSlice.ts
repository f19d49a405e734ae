import { errorMessage, JobCancelledError } from "../errors";
import { parseManifest } from "../manifest";
import { hubBaseFromLocation, normalizeHubBase } from "../hub/urls";
import { CATALOG, entryName, findEntry, type CatalogEntry } from "../models/catalog";
import { resolveCustomModel, type CustomModelEntry } from "../models/customModel";
import { parseModelRef } from "../models/customModelRef";
import { hubReader } from "../models/customModelHub";
import { openCustomModelStore, type CustomModelStore } from "../models/customModelStore";
import { DownloadOfflineError } from "../storage/errors";
import type { DeviceReport, DownloadStatus, StorageReport } from "../protocol";
import { whyCannotRun } from "./deviceFit";
import type { SliceCreator, StoreDeps } from "./store";

export type DownloadState =
  { state: "downloading"; progress?: Extract<DownloadStatus, { status: "progress" }> } | { state: "paused" } | { state: "failed"; message: string };

export interface ModelsSlice {
  /** Where hub models are downloaded from (Hugging Face, a mirror, a local server). */
  hubBase: string;
  storage?: StorageReport;
  downloads: Record<string, DownloadState>;
  /** Problem with the picker itself (storage refused, a model that will not load). */
  modelsError?: string;
  /** What the picker did on its own, e.g. selecting the built-in model after the selected one was deleted. */
  modelsNotice?: string;
  /** Models the user added by repo id or address, oldest first. */
  customModels: CustomModelEntry[];
  /** What this device's WebGPU offers; undefined until the worker has looked. */
  device?: DeviceReport;
  /** The repo being read while a custom model is added. */
  addingCustomModel?: string;
  /** Why the last custom model could not be added. */
  customModelError?: string;
  /** Per model, a stored file that would not load (DamagedModelFileError): the picker offers to download it again. */
  damagedFiles: Record<string, string>;
  setHubBase(value: string): boolean;
  selectModel(id: string): Promise<void>;
  /** Downloads what is missing; `again` names a stored file to delete and download anew first. */
  downloadModel(id: string, again?: string): void;
  /** Remembers that a stored file of the model would not load, so the picker offers "Download … again". */
  markDamaged(modelId: string, file: string): void;
  pauseDownload(id: string): void;
  deleteModel(id: string): Promise<void>;
  refreshStorage(): Promise<void>;
  /** Reads a repo's model.json or diffusers configs and keeps the model; false (with customModelError) when it cannot. */
  addCustomModel(input: string): Promise<boolean>;
  /** Deletes a custom model's files and forgets it. */
  removeCustomModel(id: string): Promise<void>;
  loadCustomModels(): Promise<void>;
  probeDevice(): Promise<void>;
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
    /** Models deleted while their download ran: the download's end must not bring their row back as "Paused". */
    const deleted = new Set<string>();
    let customStore: Promise<CustomModelStore | null> | undefined;
    const customModelStore = () => (customStore ??= openCustomModelStore());
    const entryFor = (id: string): CatalogEntry | undefined => findEntry(CATALOG, id) ?? get().customModels.find((e) => e.manifest.id === id);
    const selectBuiltin = async () => {
      const builtin = CATALOG.find((e) => e.kind === "builtin");
      if (builtin) await get().selectModel(builtin.id);
    };
    return {
      hubBase: hubBaseFromLocation(typeof location === "undefined" ? "" : location.search, savedHub()),
      downloads: {},
      customModels: [],
      damagedFiles: {},

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
        const entry = entryFor(id);
        if (!entry) return;
        const cannot = whyCannotRun(entry, get().device, get().backendChoice);
        if (cannot) {
          set({ modelsError: `${entryName(entry)} cannot run on this device. ${cannot}` });
          return;
        }
        set({ modelsError: undefined, modelsNotice: undefined });
        if (entry.kind === "builtin") {
          const base = new URL(`${import.meta.env.BASE_URL}${entry.base}`, location.href).href;
          try {
            const res = await fetch(`${base}/model.json`);
            if (!res.ok) throw new Error(`HTTP ${res.status}`);
            get().setManifest(parseManifest(await res.json()));
            set({ model: { id, name: entry.name, base } });
          } catch (err) {
            set({ modelsError: `${entry.name} could not be loaded: ${errorMessage(err)}.` });
          }
          return;
        }
        set({ model: { id, name: entry.manifest.name, base: get().hubBase } });
        get().setManifest(entry.manifest);
      },

      downloadModel(id, again) {
        // ask the browser not to evict gigabytes of weights under storage pressure (main thread only)
        void navigator.storage?.persist?.().catch(() => false);
        deleted.delete(id);
        set((s) => ({
          downloads: { ...s.downloads, [id]: { state: "downloading" } },
          modelsError: undefined,
          modelsNotice: undefined,
          damagedFiles: again ? without(s.damagedFiles, id) : s.damagedFiles,
        }));
        const job = deps.engine.download(
          id,
          get().hubBase,
          (status) => {
            if (status.status === "progress") set((s) => ({ downloads: { ...s.downloads, [id]: { state: "downloading", progress: status } } }));
          },
          undefined,
          again,
        );
        running.set(id, job.cancel);
        job.done
          .then(
            () => {
              set((s) => ({ downloads: without(s.downloads, id) }));
            },
            (err: unknown) => {
              if (deleted.has(id)) return;
              const paused = err instanceof JobCancelledError;
              const next: DownloadState = paused ? { state: "paused" } : { state: "failed", message: errorMessage(err) };
              set((s) => ({ downloads: { ...s.downloads, [id]: next } }));
              // offline stops a download at once; the connection coming back resumes it
              if (err instanceof DownloadOfflineError) {
                globalThis.addEventListener?.("online", () => get().downloads[id]?.state === "failed" && get().downloadModel(id), { once: true });
              }
            },
          )
          .finally(() => {
            running.delete(id);
            void get().refreshStorage();
          });
      },

      markDamaged(modelId, file) {
        set((s) => ({ damagedFiles: { ...s.damagedFiles, [modelId]: file } }));
      },

      pauseDownload(id) {
        running.get(id)?.();
      },

      async deleteModel(id) {
        // the row, the selection and the advice change at once; the worker deletes the files meanwhile
        deleted.add(id);
        running.get(id)?.();
        const selected = get().model.id === id;
        const entry = entryFor(id);
        const name = entry ? entryName(entry) : id;
        set((s) => ({
          downloads: without(s.downloads, id),
          storage: s.storage && { ...s.storage, models: s.storage.models.map((m) => (m.modelId === id ? { ...m, bytes: 0, done: 0 } : m)) },
        }));
        if (selected) {
          await selectBuiltin();
          set({ modelsNotice: `${name} was deleted, so the built-in model is selected again.` });
        }
        await deps.engine.deleteModel(id);
        set((s) => ({ damagedFiles: without(s.damagedFiles, id) }));
        await get().refreshStorage();
      },

      async addCustomModel(input) {
        set({ addingCustomModel: input.trim(), customModelError: undefined });
        try {
          const ref = parseModelRef(input, get().hubBase);
          const entry = await resolveCustomModel(input, ref, hubReader(ref.hubBase));
          const store = await customModelStore();
          if (!store) throw new Error("This browser gives the page no storage (private window or sandboxed frame), so custom models cannot be kept.");
          await store.put(entry);
          set((s) => ({ customModels: [...s.customModels.filter((e) => e.manifest.id !== entry.manifest.id), entry] }));
          await get().refreshStorage();
          return true;
        } catch (err) {
          set({ customModelError: errorMessage(err) });
          return false;
        } finally {
          set({ addingCustomModel: undefined });
        }
      },

      async removeCustomModel(id) {
        running.get(id)?.();
        if (get().model.id === id) await selectBuiltin();
        await deps.engine.deleteModel(id);
        await (await customModelStore())?.delete(id);
        set((s) => ({ customModels: s.customModels.filter((e) => e.manifest.id !== id), downloads: without(s.downloads, id) }));
        await get().refreshStorage();
      },

      async loadCustomModels() {
        try {
          set({ customModels: (await (await customModelStore())?.list()) ?? [] });
        } catch (err) {
          set({ modelsError: `Custom models could not be read: ${errorMessage(err)}` });
        }
      },

      async probeDevice() {
        try {
          set({ device: await deps.engine.device() });
        } catch (err) {
          // unknown capabilities refuse nothing; a model that cannot run says so when it loads
          console.warn("Could not find out what this device's GPU runs.", err);
        }
      },

      async refreshStorage() {
        try {
          set({ storage: await deps.engine.storage() });
        } catch (err) {
          set({ modelsError: `Storage figures are unavailable: ${errorMessage(err)}` });
        }
      },
    };
  };

function without<T>(record: Record<string, T>, key: string): Record<string, T> {
  const copy = { ...record };
  delete copy[key];
  return copy;
}
