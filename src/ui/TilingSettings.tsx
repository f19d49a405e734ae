import { useId } from "react";
import type { VaeTilingMessage } from "../protocol";
import { ChoiceSelect } from "./ChoiceSelect";
import { FieldError } from "./FieldError";
import { useApp } from "./StoreContext";
import { NumberInput } from "./NumberInput";

const MODES: { value: VaeTilingMessage["mode"]; label: string }[] = [
  { value: "auto", label: "Auto (when needed)" },
  { value: "on", label: "Always" },
  { value: "off", label: "Off" },
];

function TileNumber({ field, label }: { field: "tile" | "overlap"; label: string }) {
  const id = useId();
  const value = useApp((s) => s.tiling[field]);
  const off = useApp((s) => s.tiling.mode === "off");
  const setTiling = useApp((s) => s.setTiling);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <NumberInput id={id} min={field === "tile" ? 8 : 0} step={8} disabled={off} value={value} onValue={(v) => setTiling({ [field]: v })} />
    </div>
  );
}

/** Large images: the VAE can decode (and encode) in overlapping tiles so it fits the GPU's buffers. */
export function TilingSettings() {
  const id = useId();
  const mode = useApp((s) => s.tiling.mode);
  const scale = useApp((s) => s.manifest?.vaeScaleFactor ?? 8);
  const setTiling = useApp((s) => s.setTiling);
  return (
    <details className="advanced">
      <summary>Large images</summary>
      <div className="field">
        <label htmlFor={id}>VAE tiling</label>
        <ChoiceSelect id={id} value={mode} choices={MODES} onChoose={(m) => setTiling({ mode: m })} />
      </div>
      <div className="row">
        <TileNumber field="tile" label="Tile size (latent px)" />
        <TileNumber field="overlap" label="Tile overlap (latent px)" />
      </div>
      <p className="hint">One latent pixel is {scale} image pixels. Tiles blend over their overlap, so seams do not show.</p>
      <FieldError field="tiling" />
    </details>
  );
}
