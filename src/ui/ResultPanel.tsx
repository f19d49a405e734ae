import { useEffect, useRef, useState } from "react";
import type { RgbaImageMessage } from "../protocol";
import { useApp } from "./StoreContext";

function PreviewCanvas({ image, step }: { image: RgbaImageMessage; step: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext("2d");
    if (!ctx) return;
    ctx.putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
  }, [image]);
  return <canvas ref={ref} className="preview" data-step={step} width={image.width} height={image.height} aria-label={`Preview after step ${step}`} role="img" />;
}

function Progress() {
  const step = useApp((s) => s.step);
  const steps = useApp((s) => s.steps);
  const phase = useApp((s) => s.phase);
  const statusText = useApp((s) => s.statusText);
  const batchIndex = useApp((s) => s.batchIndex);
  const batchTotal = useApp((s) => s.batchTotal);
  const active = phase === "loading" || phase === "running";
  return (
    <div className="progress">
      <progress aria-label="Generation progress" max={Math.max(steps, 1)} value={active || phase === "done" ? step : 0} />
      <span aria-live="polite">
        {batchTotal > 1 && active ? `Image ${batchIndex}/${batchTotal} — ` : ""}
        {statusText}
      </span>
    </div>
  );
}

function CopyParameters({ text }: { text: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      onClick={() => {
        void navigator.clipboard.writeText(text).then(
          () => setCopied(true),
          () => setCopied(false),
        );
      }}
    >
      {copied ? "Copied" : "Copy parameters"}
    </button>
  );
}

export function ResultPanel() {
  const phase = useApp((s) => s.phase);
  const preview = useApp((s) => s.preview);
  const images = useApp((s) => s.images);
  const selected = useApp((s) => s.selected);
  const select = useApp((s) => s.select);
  const error = useApp((s) => s.error);
  const modelId = useApp((s) => s.model.id);
  const image = images[selected];
  const showPreview = (phase === "running" || phase === "loading" || phase === "cancelled") && preview && !image;

  return (
    <section className="result" aria-label="Result">
      <Progress />
      {error && (
        <div className="error" role="alert">
          <strong>{error.name === "Error" ? "Something went wrong" : error.name.replace(/Error$/, "").replace(/([a-z])([A-Z])/g, "$1 $2")}:</strong>{" "}
          {error.message}
        </div>
      )}
      <div className="canvas-frame">
        {image ? (
          <img src={image.url} alt={`Generated image, seed ${image.seed}`} width={image.width} height={image.height} />
        ) : showPreview ? (
          <PreviewCanvas image={preview.image} step={preview.step} />
        ) : (
          <p className="placeholder">Your image appears here.</p>
        )}
      </div>
      {image && (
        <div className="image-actions">
          <span>
            Seed <output>{image.seed}</output> · {image.width}×{image.height} · {(image.timings.totalMs / 1000).toFixed(2)} s
          </span>
          <a href={image.url} download={`${modelId}-${image.seed}.png`}>
            Download PNG
          </a>
          <CopyParameters text={image.parameters} />
        </div>
      )}
      {images.length > 1 && (
        <ul className="thumbs" aria-label="Batch">
          {images.map((img, i) => (
            <li key={img.url}>
              <button type="button" aria-pressed={i === selected} onClick={() => select(i)}>
                <img src={img.url} alt={`Batch image ${i + 1}, seed ${img.seed}`} />
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
