import { useEffect, useId, useRef, useState, type CSSProperties, type DragEvent } from "react";
import type { RgbaImageMessage } from "../protocol";
import { sizeForSource } from "./editing";
import { FieldError } from "./FieldError";
import { BrushTools, MaskCanvas } from "./MaskEditor";
import { MaskBlurField, OutpaintControls, ResizeMode, StrengthField } from "./SourceSettings";
import { useApp } from "./StoreContext";

/** Lets "Send to img2img" elsewhere on the page bring this panel into view. */
export const SOURCE_PANEL_ID = "source-image";

/** Drops inside the element this selects feed the source image rather than "read settings from a PNG". */
export const SOURCE_DROP_SELECTOR = "[data-source-drop]";

function ImageCanvas({ image, label, className }: { image: RgbaImageMessage; label: string; className?: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    ref.current?.getContext("2d")?.putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
  }, [image]);
  return <canvas ref={ref} className={className} width={image.width} height={image.height} role="img" aria-label={label} />;
}

/** The frame keeps the image's shape, no taller than about 24rem, so the mask lines up with the pixels under it. */
function frameStyle(width: number, height: number): CSSProperties {
  return { aspectRatio: `${width} / ${height}`, width: `min(100%, ${((24 * width) / height).toFixed(2)}rem)` };
}

function SourceView({ image }: { image: RgbaImageMessage }) {
  const inpainting = useApp((s) => s.mode === "inpaint");
  return (
    <div className="source-frame" style={frameStyle(image.width, image.height)}>
      <ImageCanvas image={image} label="Source image" />
      {inpainting && <MaskCanvas />}
    </div>
  );
}

/** The source in place on the larger canvas, the new margins hatched. */
function OutpaintView({ image }: { image: RgbaImageMessage }) {
  const sizes = useApp((s) => s.manifest?.sizes);
  const m = useApp((s) => s.outpaint);
  const seamSetting = useApp((s) => s.outpaintSeam);
  if (!sizes) return null;
  const base = sizeForSource(image.width, image.height, sizes);
  const valid = Object.values(m).every((v) => Number.isInteger(v) && v >= 0);
  const { left, right, top, bottom } = valid ? m : { left: 0, right: 0, top: 0, bottom: 0 };
  const width = base.width + left + right;
  const height = base.height + top + bottom;
  const placed: CSSProperties = {
    left: `${(100 * left) / width}%`,
    top: `${(100 * top) / height}%`,
    width: `${(100 * base.width) / width}%`,
    height: `${(100 * base.height) / height}%`,
  };
  // the band of the source that is repainted along each extended edge, as a share of the placed source
  const seam = Number.isInteger(seamSetting) && seamSetting > 0 ? seamSetting : 0;
  const bands: { side: keyof typeof m; style: CSSProperties }[] = [
    { side: "left", style: { left: 0, top: 0, bottom: 0, width: `${(100 * seam) / base.width}%` } },
    { side: "right", style: { right: 0, top: 0, bottom: 0, width: `${(100 * seam) / base.width}%` } },
    { side: "top", style: { left: 0, right: 0, top: 0, height: `${(100 * seam) / base.height}%` } },
    { side: "bottom", style: { left: 0, right: 0, bottom: 0, height: `${(100 * seam) / base.height}%` } },
  ];
  const shownBands = seam > 0 ? bands.filter((b) => m[b.side] > 0) : [];
  return (
    <div
      className="source-frame outpaint-frame"
      style={frameStyle(width, height)}
      title="Hatched: the area to fill; striped red: the seam, repainted too"
    >
      <div className="placed" style={placed}>
        <ImageCanvas image={image} label="Source image" />
        {shownBands.map((b) => (
          <div
            key={b.side}
            className="seam-band"
            style={b.style}
            role="img"
            aria-label={`Seam: ${seam} px of the source repainted along the ${b.side} edge`}
          />
        ))}
      </div>
    </div>
  );
}

function SourcePicker() {
  const inputId = useId();
  const loadSource = useApp((s) => s.loadSource);
  const error = useApp((s) => s.sourceError);
  const source = useApp((s) => s.source);
  return (
    <div className="source-picker">
      {/* The browser's own file button would say "No file chosen" while a source is loaded (its value is
          reset so the same file can be picked again); this one says what is loaded. */}
      <div className="file-row">
        <label htmlFor={inputId} className="file-button">
          Choose a source image
        </label>
        <input
          id={inputId}
          className="visually-hidden"
          type="file"
          accept="image/*"
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = "";
            if (file) void loadSource(file, file.name);
          }}
        />
        <span className="file-name" aria-live="polite">
          {source ? `Loaded: ${source.name} (${source.image.width}×${source.image.height})` : "No image loaded yet."}
        </span>
      </div>
      <p className="hint">…or drop one here, or press “Send to img2img” on an image you made.</p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <FieldError field="source" />
    </div>
  );
}

/** The img2img / inpaint / outpaint source and the settings that go with it; hidden for text to image. */
export function SourcePanel() {
  const mode = useApp((s) => s.mode);
  const image = useApp((s) => s.source?.image);
  const loadSource = useApp((s) => s.loadSource);
  const [dragging, setDragging] = useState(false);
  if (mode === "txt2img") return null;

  const over = (e: DragEvent) => {
    if (!e.dataTransfer.types.includes("Files")) return;
    e.preventDefault();
    setDragging(true);
  };
  const drop = (e: DragEvent) => {
    setDragging(false);
    const file = e.dataTransfer.files[0];
    if (!file) return;
    // the page-wide PNG-info drop handler sees defaultPrevented and leaves this file alone
    e.preventDefault();
    void loadSource(file, file.name);
  };

  return (
    <section
      id={SOURCE_PANEL_ID}
      className={dragging ? "source-panel dragging" : "source-panel"}
      aria-label="Source image"
      data-source-drop=""
      onDragOver={over}
      onDragLeave={(e) => {
        if (!(e.relatedTarget instanceof Node && e.currentTarget.contains(e.relatedTarget))) setDragging(false);
      }}
      onDrop={drop}
    >
      <h2>Source image</h2>
      <SourcePicker />
      {image && (mode === "outpaint" ? <OutpaintView image={image} /> : <SourceView image={image} />)}
      {image && mode === "inpaint" && <BrushTools />}
      <FieldError field="mask" />
      {mode === "outpaint" && <OutpaintControls />}
      <StrengthField />
      <ResizeMode />
      {mode !== "img2img" && <MaskBlurField />}
    </section>
  );
}
