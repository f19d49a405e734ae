import { useEffect, useId, useState } from "react";
import { CATALOG, entryId, entryName, type CatalogEntry } from "../models/catalog";
import { formatBytes } from "../storage/errors";
import { whyCannotRun } from "./deviceFit";
import { useApp } from "./StoreContext";

/** Every variant's precision and size, e.g. "Download: fp32 7 MB · fp16 4 MB (needs WebGPU with shader-f16)". */
function describe(entry: CatalogEntry): string {
  if (entry.kind === "builtin" && !entry.variants) return `Built-in, no download: ${formatBytes(entry.downloadBytes)}`;
  const variants =
    entry.kind === "builtin"
      ? (entry.variants ?? [])
      : entry.manifest.variants.map((v) => ({ precision: v.precision, bytes: entry.downloadBytes[v.id], requiresShaderF16: v.requiresShaderF16 }));
  const list = variants
    .map((v) => `${v.precision}${v.bytes ? ` ${formatBytes(v.bytes)}` : ""}${v.requiresShaderF16 ? " (needs WebGPU with shader-f16)" : ""}`)
    .join(" · ");
  return entry.kind === "builtin" ? `Built-in, no download: ${list}` : `Download: ${list}`;
}

function DownloadStatusLine({ id, name }: { id: string; name: string }) {
  const download = useApp((s) => s.downloads[id]);
  const stored = useApp((s) => s.storage?.models.find((m) => m.modelId === id));
  if (download?.state === "downloading") {
    const p = download.progress;
    if (!p) return <span>Starting download…</span>;
    const pct = p.total ? Math.floor((p.loaded / p.total) * 100) : undefined;
    return (
      <span>
        <progress aria-label={`Download of ${name}`} max={p.total ?? 1} value={p.total ? p.loaded : undefined} /> File {(p.index ?? 0) + 1}/
        {p.count ?? 1}: {formatBytes(p.loaded)}
        {p.total ? ` / ${formatBytes(p.total)} (${pct} %)` : ""} · {formatBytes(p.bytesPerSecond)}/s
        {p.etaSeconds !== undefined ? ` · ${Math.ceil(p.etaSeconds)} s left` : ""}
        {p.restarted ? ` · ${p.restarted}` : ""}
      </span>
    );
  }
  if (download?.state === "failed") return <span className="field-error">{download.message}</span>;
  if (stored && stored.done === stored.total) {
    const unverified = stored.done - stored.verified;
    return (
      <span>
        Downloaded · {formatBytes(stored.bytes)} stored ·{" "}
        {unverified === 0 ? "verified" : `${unverified} of ${stored.done} files not verified (the hub gave no size or hash for them)`}
      </span>
    );
  }
  if (download?.state === "paused" || (stored && stored.bytes > 0)) {
    return <span>Paused · {stored ? `${formatBytes(stored.bytes)} stored, ${stored.done}/${stored.total} files` : "partly downloaded"}</span>;
  }
  return null;
}

function ModelRow({ entry, custom }: { entry: CatalogEntry; custom?: boolean }) {
  const id = entryId(entry);
  const selected = useApp((s) => s.model.id === id);
  const download = useApp((s) => s.downloads[id]);
  const stored = useApp((s) => s.storage?.models.find((m) => m.modelId === id));
  const selectModel = useApp((s) => s.selectModel);
  const downloadModel = useApp((s) => s.downloadModel);
  const pauseDownload = useApp((s) => s.pauseDownload);
  const deleteModel = useApp((s) => s.deleteModel);
  const removeCustomModel = useApp((s) => s.removeCustomModel);
  const damaged = useApp((s) => s.damagedFiles[id]);
  const name = entryName(entry);
  const complete = entry.kind === "builtin" || (stored !== undefined && stored.done === stored.total);
  const downloading = download?.state === "downloading";
  const cannotRun = useApp((s) => whyCannotRun(entry, s.device, s.backendChoice));
  const reasonId = useId();
  const downloadLabel = stored && stored.bytes > 0 ? `Resume download of ${name}` : `Download ${name}`;
  return (
    <li className={selected ? "model selected" : "model"}>
      <div>
        <strong>{name}</strong> <small>{describe(entry)}</small>
      </div>
      {cannotRun && (
        <p className="cannot-run" id={reasonId}>
          Cannot run on this device. {cannotRun}
        </p>
      )}
      <DownloadStatusLine id={id} name={name} />
      {damaged && !downloading && (
        <p className="field-error">
          The stored {damaged} would not load; downloading it again replaces just that file.{" "}
          <button type="button" onClick={() => downloadModel(id, damaged)}>
            Download {damaged} again
          </button>
        </p>
      )}
      <div className="model-actions">
        <button
          type="button"
          aria-pressed={selected}
          aria-describedby={cannotRun ? reasonId : undefined}
          onClick={() => void selectModel(id)}
          disabled={selected || cannotRun !== undefined}
        >
          {selected ? "In use" : `Use ${name}`}
        </button>
        {entry.kind === "hub" && !complete && !downloading && (
          <button
            type="button"
            aria-describedby={cannotRun ? reasonId : undefined}
            onClick={() => downloadModel(id)}
            disabled={cannotRun !== undefined}
          >
            {downloadLabel}
          </button>
        )}
        {entry.kind === "hub" && !complete && !downloading && cannotRun && (
          // for people filling a browser's storage to carry it to a device that can run the model
          <button
            type="button"
            onClick={() => downloadModel(id)}
            title="Store it even so: for a GPU this check cannot see (a browser flag, a driver update), or to have it ready offline"
          >
            {stored && stored.bytes > 0 ? `Resume download of ${name} anyway` : `Download ${name} anyway`}
          </button>
        )}
        {downloading && (
          <button type="button" onClick={() => pauseDownload(id)}>
            Pause download of {name}
          </button>
        )}
        {entry.kind === "hub" && stored && stored.bytes > 0 && !downloading && (
          <button type="button" className="danger" onClick={() => void deleteModel(id)}>
            Delete {name}
          </button>
        )}
        {custom && (
          <button type="button" className="danger" onClick={() => void removeCustomModel(id)}>
            Remove {name} from the list
          </button>
        )}
      </div>
    </li>
  );
}

function HubSetting() {
  const inputId = useId();
  const hubBase = useApp((s) => s.hubBase);
  const setHubBase = useApp((s) => s.setHubBase);
  const [draft, setDraft] = useState(hubBase);
  const [invalid, setInvalid] = useState(false);
  return (
    <form
      className="hub-setting"
      onSubmit={(e) => {
        e.preventDefault();
        setInvalid(!setHubBase(draft));
      }}
    >
      <label htmlFor={inputId}>Model hub</label>
      <input id={inputId} value={draft} onChange={(e) => setDraft(e.target.value)} />
      <button type="submit">Save hub</button>
      {invalid && <p className="field-error">Enter an http(s) address, e.g. https://huggingface.co.</p>}
    </form>
  );
}

function AddCustomModel() {
  const inputId = useId();
  const adding = useApp((s) => s.addingCustomModel);
  const error = useApp((s) => s.customModelError);
  const addCustomModel = useApp((s) => s.addCustomModel);
  const [draft, setDraft] = useState("");
  return (
    <form
      className="hub-setting"
      onSubmit={(e) => {
        e.preventDefault();
        void addCustomModel(draft).then((added) => added && setDraft(""));
      }}
    >
      <label htmlFor={inputId}>Custom model</label>
      <input id={inputId} value={draft} placeholder="owner/name or https://huggingface.co/owner/name" onChange={(e) => setDraft(e.target.value)} />
      <button type="submit" disabled={adding !== undefined}>
        Add model
      </button>
      {adding !== undefined && <p role="status">Reading {adding} from the hub…</p>}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

/** Which model generates, and the downloaded ones: size, progress, pause/resume, delete, quota; custom models. */
export function ModelPicker() {
  const storage = useApp((s) => s.storage);
  const error = useApp((s) => s.modelsError);
  const notice = useApp((s) => s.modelsNotice);
  const customModels = useApp((s) => s.customModels);
  const refreshStorage = useApp((s) => s.refreshStorage);
  const loadCustomModels = useApp((s) => s.loadCustomModels);
  const probeDevice = useApp((s) => s.probeDevice);
  useEffect(() => {
    void loadCustomModels();
    void refreshStorage();
    void probeDevice();
  }, [loadCustomModels, refreshStorage, probeDevice]);
  return (
    <details className="panel model-picker">
      <summary>Models</summary>
      <ul>
        {CATALOG.map((entry) => (
          <ModelRow key={entryId(entry)} entry={entry} />
        ))}
        {customModels.map((entry) => (
          <ModelRow key={entry.manifest.id} entry={entry} custom />
        ))}
      </ul>
      <AddCustomModel />
      {storage?.estimate && (
        <p>
          Storage: {formatBytes(storage.estimate.usage)} used of {formatBytes(storage.estimate.quota)} available to this site.
        </p>
      )}
      {storage && !storage.cache && <p className="field-error">This browser gives the page no storage: downloaded models cannot be kept.</p>}
      {notice && <p role="status">{notice}</p>}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <HubSetting />
    </details>
  );
}
