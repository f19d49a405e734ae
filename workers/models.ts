import type { ModelSource } from "../src/engine/loadModel";
import { ModelLoadError } from "../src/errors";
import type { HubCatalogEntry } from "../src/hub/hubModel";
import { DEFAULT_HUB_BASE } from "../src/hub/urls";
import { CATALOG, findEntry } from "../src/models/catalog";
import { isCustomModelId } from "../src/models/customModelRef";
import { openCustomModelStore, type CustomModelStore } from "../src/models/customModelStore";
import type { ModelTarget, PostEvent, StorageReport } from "../src/protocol";
import { cachedSource, downloadState, hubSource } from "../src/storage/cachedSource";
import { downloadModel } from "../src/storage/downloader";
import { DamagedModelFileError, ModelNotDownloadedError } from "../src/storage/errors";
import { storageEstimate, type WeightCache } from "../src/storage/weightCache";

/** The graph file and its external data: what has to be fetched again when the graph will not load. */
function fileWithData(entry: HubCatalogEntry, path: string): string[] {
  for (const variant of entry.manifest.variants) {
    for (const file of Object.values(variant.files)) {
      if (file?.path === path) return [path, ...(file.externalData ?? []).map((d) => d.path)];
    }
  }
  return [path];
}

/** A model's name as the catalog gives it, for naming other stored models in an out-of-space message. */
function catalogName(modelId: string): string | undefined {
  const entry = findEntry(CATALOG, modelId);
  return entry?.kind === "hub" ? entry.manifest.name : undefined;
}

/**
 * The worker's side of the model catalog: where a job's files come from (the app's own folder for
 * the built-in model, the weight cache for hub models and the custom models the UI added to
 * `customModels`), downloads into the cache, storage figures.
 */
export function createModels(
  cache: Promise<WeightCache | null>,
  openSource: (base: string) => ModelSource,
  post: PostEvent,
  customModels: Promise<CustomModelStore | null> = openCustomModelStore(),
) {
  const hubEntry = async (modelId: string): Promise<HubCatalogEntry | undefined> => {
    const entry = findEntry(CATALOG, modelId);
    if (entry) return entry.kind === "hub" ? entry : undefined;
    // read on every request: the UI adds and removes custom models while the worker runs
    return (await customModels)?.get(modelId);
  };

  return {
    /** `hub: false` refuses a source that would fetch the weights from the hub (a preload must not download gigabytes). */
    async sourceFor(target: ModelTarget, { hub = true }: { hub?: boolean } = {}): Promise<ModelSource> {
      const entry = await hubEntry(target.modelId);
      if (!entry && isCustomModelId(target.modelId)) {
        throw new ModelNotDownloadedError(`The custom model "${target.modelId}" was removed; add it again in Models.`, { model: target.modelId });
      }
      if (!entry) return openSource(target.modelBase);
      const c = await cache;
      const variant = target.variant ?? entry.manifest.variants[0].id;
      if (c) return cachedSource(c, entry, variant);
      if (!hub) {
        throw new ModelNotDownloadedError(
          `${entry.manifest.name} is not stored in this browser, so it is not loaded ahead; it is fetched from the hub when you generate.`,
          { model: target.modelId },
        );
      }
      return hubSource(entry, variant, target.hubBase ?? DEFAULT_HUB_BASE);
    },

    /**
     * A load error for a file this cache handed out that a fresh copy may cure becomes DamagedModelFileError,
     * naming the model and file so the UI can offer to download that file again; any other error is returned as is.
     */
    async explainLoadError(target: ModelTarget, err: unknown): Promise<unknown> {
      if (!(err instanceof ModelLoadError) || typeof err.data.file !== "string" || err.data.unparsable !== true) return err;
      const entry = await hubEntry(target.modelId);
      if (!entry || !(await cache)) return err;
      return DamagedModelFileError.of({ model: entry.manifest.name, modelId: entry.manifest.id, file: err.data.file, cause: err.message });
    },

    /** `again`: a stored file (with its external data) to delete first, so only it is downloaded anew. */
    async download(id: string, modelId: string, variant: string | undefined, hubBase: string, signal: AbortSignal, again?: string) {
      const entry = await hubEntry(modelId);
      if (!entry) throw new ModelNotDownloadedError(`"${modelId}" is not a model that can be downloaded.`, { model: modelId });
      const c = await cache;
      if (!c) {
        throw new ModelNotDownloadedError(
          "This browser gives the page no storage (private window or sandboxed frame), so models cannot be kept; " +
            "they will be fetched each time instead.",
          { model: modelId },
        );
      }
      for (const path of again ? fileWithData(entry, again) : []) await c.deleteFile(modelId, path);
      post({ kind: "download", id, status: { status: "initiate", modelId } });
      await downloadModel(c, entry, variant ?? entry.manifest.variants[0].id, hubBase, {
        signal,
        nameOf: catalogName,
        onProgress: (p) => post({ kind: "download", id, status: { status: "progress", ...p } }),
      });
      post({ kind: "download", id, status: { status: "done", modelId } });
    },

    async deleteModel(id: string, modelId: string) {
      const c = await cache;
      await c?.deleteModel(modelId);
      post({ kind: "deleted", id, modelId });
    },

    async storage(id: string) {
      const c = await cache;
      const report: StorageReport = { cache: c !== null, models: [], estimate: await storageEstimate() };
      if (c) {
        const usage = new Map((await c.usage()).map((u) => [u.modelId, u.bytes]));
        const custom = (await (await customModels)?.list()) ?? [];
        for (const entry of [...CATALOG, ...custom]) {
          if (entry.kind !== "hub") continue;
          const state = await downloadState(c, entry, entry.manifest.variants[0].id);
          report.models.push({
            modelId: entry.manifest.id,
            bytes: usage.get(entry.manifest.id) ?? 0,
            done: state.done,
            verified: state.verified,
            total: state.total,
          });
        }
      }
      post({ kind: "storage", id, report });
    },
  };
}
