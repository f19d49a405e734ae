/**
 * What the app keeps across reloads, for zustand's `persist` on the combined store: the form's settings, the
 * chosen model, the LoRA panel's choices, and the jobs that were still waiting when the page went away. Stored data is read defensively
 * (it may come from an older version, another tab's bug or a hand edit): each field that does not have its
 * expected shape is dropped and its default stays. Where the browser refuses storage, the app works unchanged
 * and simply forgets.
 */
import { createJSONStorage, type PersistOptions, type StateStorage } from "zustand/middleware";
import type { GenerateParams } from "../params";
import type { BackendChoice, VaeTilingMessage } from "../protocol";
import type { LoraEntry } from "./loraSlice";
import type { QueuedJob } from "./queue";
import type { AppState, ModelEntry } from "./store";

export interface PersistedSettings {
  params: GenerateParams;
  batchCount: number;
  backendChoice: BackendChoice;
  variant?: string;
  previews: boolean;
  model: ModelEntry;
  paramsModelId?: string;
  tiling: VaeTilingMessage;
  /** The LoRA panel: which stored LoRAs are applied and how strongly (the files stay in the weight cache). */
  loras: LoraEntry[];
  /** Jobs queued (or running) when the page closed; image-to-image jobs are left out, their source is not kept. */
  interrupted: QueuedJob[];
}

export const SETTINGS_KEY = "diffusion-settings";
export const SETTINGS_VERSION = 1;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isNumber = (v: unknown): v is number => typeof v === "number";
const isString = (v: unknown): v is string => typeof v === "string";

/** Field-by-field: a stored value replaces the default only when it has the default's type. */
function sameTypes<T extends object>(stored: unknown, defaults: T): T {
  if (!isRecord(stored)) return defaults;
  const out = { ...defaults };
  for (const key of Object.keys(defaults) as (keyof T & string)[]) {
    const value = stored[key];
    if (typeof value === typeof defaults[key] && !Number.isNaN(value)) out[key] = value as T[typeof key];
  }
  return out;
}

function restoreJobs(stored: unknown, params: GenerateParams): QueuedJob[] {
  if (!Array.isArray(stored)) return [];
  return stored.flatMap((job: unknown) =>
    isRecord(job) && isString(job.id) && isRecord(job.params) ? [{ id: job.id, params: sameTypes(job.params, params) }] : [],
  );
}

/**
 * The panel's entries as they were, so the first model load already applies them; the worker's list replaces
 * them when the panel asks for it, keeping the choices of the LoRAs still stored.
 */
function restoreLoras(stored: unknown): LoraEntry[] {
  if (!Array.isArray(stored)) return [];
  return stored.flatMap((l: unknown) =>
    isRecord(l) && isString(l.name) && isNumber(l.bytes) && typeof l.active === "boolean" && isNumber(l.strength) && Number.isFinite(l.strength)
      ? [{ name: l.name, bytes: l.bytes, active: l.active, strength: l.strength }]
      : [],
  );
}

/** The persisted state as far as it is usable, laid over the store's defaults. */
export function restoreSettings(stored: unknown, current: AppState): AppState {
  if (!isRecord(stored)) return current;
  const backend = stored.backendChoice;
  const model = sameTypes(stored.model, current.model);
  return {
    ...current,
    params: sameTypes(stored.params, current.params),
    batchCount: isNumber(stored.batchCount) ? stored.batchCount : current.batchCount,
    backendChoice: backend === "auto" || backend === "webgpu" || backend === "wasm" ? backend : current.backendChoice,
    variant: isString(stored.variant) ? stored.variant : undefined,
    previews: typeof stored.previews === "boolean" ? stored.previews : current.previews,
    model: model.id && model.base ? model : current.model,
    paramsModelId: isString(stored.paramsModelId) ? stored.paramsModelId : undefined,
    tiling: sameTypes(stored.tiling, current.tiling),
    loras: restoreLoras(stored.loras),
    interrupted: restoreJobs(stored.interrupted, current.params),
  };
}

export function settingsOf(s: AppState): PersistedSettings {
  const waiting = [...(s.current ? [s.current] : []), ...s.queue, ...s.interrupted];
  return {
    params: s.params,
    batchCount: s.batchCount,
    backendChoice: s.backendChoice,
    variant: s.variant,
    previews: s.previews,
    model: s.model,
    paramsModelId: s.paramsModelId,
    tiling: s.tiling,
    loras: s.loras.map(({ name, bytes, active, strength }) => ({ name, bytes, active, strength })),
    interrupted: waiting.filter((j) => !j.edit).map((j) => ({ id: j.id, params: j.params })),
  };
}

/**
 * localStorage behind try/catch: a sandboxed frame or a private window can throw on any access, and a full
 * quota throws on write. Either way the app goes on; the first failure is reported once in the console.
 * persist hands over the settings after every change of the store, progress and previews included: a text equal to
 * the one last written is not written again, so a generation's steps cost no synchronous storage writes.
 */
export function forgivingStorage(storage: () => Storage): StateStorage {
  let warned = false;
  const written = new Map<string, string>();
  const attempt = <T>(action: () => T, fallback: T): T => {
    try {
      return action();
    } catch (err) {
      if (!warned) console.warn("Settings are not kept across reloads: this browser refused storage.", err);
      warned = true;
      return fallback;
    }
  };
  return {
    getItem: (name) => attempt(() => storage().getItem(name), null),
    setItem: (name, value) => {
      if (written.get(name) === value) return;
      attempt(() => {
        storage().setItem(name, value);
        written.set(name, value);
      }, undefined);
    },
    removeItem: (name) => {
      written.delete(name);
      attempt(() => storage().removeItem(name), undefined);
    },
  };
}

export function persistOptions(storage: StateStorage): PersistOptions<AppState, PersistedSettings> {
  return {
    name: SETTINGS_KEY,
    version: SETTINGS_VERSION,
    storage: createJSONStorage(() => storage),
    partialize: settingsOf,
    // Every version so far stores the same fields; restoreSettings keeps whatever still has its shape.
    migrate: (stored) => stored as PersistedSettings,
    merge: (stored, current) => restoreSettings(stored, current),
  };
}
