import { useEffect, useId, useState, type DragEvent, type FormEvent } from "react";
import { formatBytes } from "../storage/errors";
import type { LoraEntry } from "./loraSlice";
import { useApp } from "./StoreContext";

/** One stored LoRA: use it or not, its strength (committed when the slider is let go, so the model reloads once), remove. */
function LoraRow({ lora }: { lora: LoraEntry }) {
  const setLora = useApp((s) => s.setLora);
  const removeLora = useApp((s) => s.removeLora);
  const busy = useApp((s) => s.addingLora !== undefined);
  const [draft, setDraft] = useState(lora.strength);
  // a strength set elsewhere (PNG info, another tab) replaces the draft; adjusted while rendering, as React advises, not in an effect
  const [stored, setStored] = useState(lora.strength);
  if (stored !== lora.strength) {
    setStored(lora.strength);
    setDraft(lora.strength);
  }
  const commit = () => draft !== lora.strength && setLora(lora.name, { strength: draft });
  const sliderId = useId();
  return (
    <li className="lora">
      <label>
        <input type="checkbox" checked={lora.active} onChange={(e) => setLora(lora.name, { active: e.target.checked })} />
        <strong>{lora.name}</strong> <span className="hint">{formatBytes(lora.bytes)}</span>
      </label>
      <label htmlFor={sliderId}>Strength of {lora.name}</label>
      <input
        id={sliderId}
        type="range"
        min={-1}
        max={2}
        step={0.05}
        value={draft}
        onChange={(e) => setDraft(Number(e.target.value))}
        onPointerUp={commit}
        onKeyUp={commit}
        onBlur={commit}
      />
      <output htmlFor={sliderId}>{draft.toFixed(2)}</output>
      <button type="button" disabled={busy} onClick={() => void removeLora(lora.name)}>
        Remove {lora.name}
      </button>
    </li>
  );
}

/** Add LoRA files (pick, drop, or a .safetensors address), and choose which apply and how strongly. */
export function LoraPanel() {
  const loras = useApp((s) => s.loras);
  const error = useApp((s) => s.loraError);
  const adding = useApp((s) => s.addingLora);
  const warnings = useApp((s) => s.loraWarnings);
  const refreshLoras = useApp((s) => s.refreshLoras);
  const addLoraFile = useApp((s) => s.addLoraFile);
  const addLoraUrl = useApp((s) => s.addLoraUrl);
  const [url, setUrl] = useState("");
  const fileId = useId();
  const urlId = useId();
  useEffect(() => void refreshLoras(), [refreshLoras]);

  const addFiles = async (files: FileList | null) => {
    for (const file of Array.from(files ?? [])) await addLoraFile(file);
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    void addFiles(e.dataTransfer.files);
  };
  const onUrl = (e: FormEvent) => {
    e.preventDefault();
    void addLoraUrl(url).then(() => setUrl(""));
  };

  return (
    <details className="panel lora-panel" open={loras.length > 0}>
      <summary>LoRA{loras.some((l) => l.active) ? ` (${loras.filter((l) => l.active).length} on)` : ""}</summary>
      <div className="lora-drop" onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
        <label htmlFor={fileId}>Add LoRA files (.safetensors)</label>
        <input
          id={fileId}
          type="file"
          accept=".safetensors"
          multiple
          disabled={adding !== undefined}
          onChange={(e) => void addFiles(e.target.files)}
        />
        <p className="hint">or drop them here. In the prompt, &lt;lora:name:0.8&gt; applies a stored LoRA too.</p>
      </div>
      <form onSubmit={onUrl}>
        <label htmlFor={urlId}>LoRA address</label>
        <input
          id={urlId}
          type="url"
          placeholder="https://huggingface.co/…/resolve/main/name.safetensors"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
        />
        <button type="submit" disabled={adding !== undefined || url.trim() === ""}>
          Add from address
        </button>
      </form>
      {adding !== undefined && <p role="status">Adding {adding}…</p>}
      {error && <p role="alert">{error}</p>}
      {warnings.length > 0 && (
        <div role="note" aria-label="LoRA warnings">
          {warnings.map((w) => (
            <p key={w}>{w}</p>
          ))}
        </div>
      )}
      {loras.length > 0 && (
        <ul aria-label="Stored LoRAs">
          {loras.map((l) => (
            <LoraRow key={l.name} lora={l} />
          ))}
        </ul>
      )}
    </details>
  );
}
