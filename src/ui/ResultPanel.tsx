import { useEffect, useRef } from "react";
import type { RgbaImageMessage } from "../protocol";
import { CopyButton } from "./CopyButton";
import { MAX_RECENT } from "./queueSlice";
import { PixelImage } from "./PixelImage";
import { errorTitle } from "./errorTitles";
import { runProgress } from "./queue";
import { SendToImg2img } from "./SendToImg2img";
import { useApp } from "./StoreContext";

function PreviewCanvas({ image, step }: { image: RgbaImageMessage; step: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext("2d");
    if (!ctx) return;
    ctx.putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
  }, [image]);
  return (
    <canvas
      ref={ref}
      className="preview"
      data-step={step}
      width={image.width}
      height={image.height}
      aria-label={`Preview after step ${step}`}
      role="img"
    />
  );
}

/** One bar for the whole queue, in steps: a batch of four 20-step images is 80 steps long. */
function Progress() {
  const tally = useApp((s) => s.tally);
  const current = useApp((s) => s.current);
  const step = useApp((s) => s.step);
  const steps = useApp((s) => s.jobSteps);
  const queue = useApp((s) => s.queue);
  const statusText = useApp((s) => s.statusText);
  const announcement = useApp((s) => s.announcement);
  const run = runProgress(tally, current && { job: current, step, steps }, queue);
  return (
    <div className="progress">
      <progress aria-label="Generation progress" max={Math.max(run.max, 1)} value={run.value} />
      <span className="status-line">
        {run.jobsTotal > 1 && current ? `Image ${run.jobIndex}/${run.jobsTotal} — ` : ""}
        {statusText}
      </span>
      {/* the line above changes every step; a screen reader hears only the start, each quarter and the end */}
      <span className="visually-hidden" role="status" aria-label="Progress announcements">
        {announcement}
      </span>
    </div>
  );
}

function fullyVisible(el: Element): boolean {
  const box = el.getBoundingClientRect();
  return box.top >= 0 && box.bottom <= window.innerHeight;
}

/** A failed job's error, brought into view: on a phone it would otherwise sit above or below the screen. */
function ErrorBox({ name, message }: { name: string; message: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.scrollIntoView?.({ block: "nearest", behavior: "smooth" });
  }, [name, message]);
  return (
    <div className="error" role="alert" ref={ref}>
      <strong>{errorTitle(name)}:</strong> {message}
    </div>
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
  const working = useApp((s) => s.current !== undefined);
  const pinned = useApp((s) => s.pinned);
  const setParam = useApp((s) => s.setParam);
  const galleryKeepsAll = useApp((s) => s.galleryStatus === "ready");
  // While a job runs (or right after it was cancelled) the frame follows its previews, unless the user
  // picked a finished image to look at.
  const live = !pinned && (working || phase === "cancelled");
  const image = live ? undefined : images[selected];
  const ref = useRef<HTMLElement>(null);
  // A run starting brings the image into view: on a phone the form above it fills the screen.
  useEffect(() => {
    if (working && ref.current && !fullyVisible(ref.current)) ref.current.scrollIntoView?.({ block: "start", behavior: "smooth" });
  }, [working]);

  return (
    <section className="result" aria-label="Result" ref={ref}>
      <Progress />
      {error && <ErrorBox name={error.name} message={error.message} />}
      <div className="canvas-frame">
        {image ? (
          <PixelImage src={image.url} alt={`Generated image, seed ${image.seed}`} width={image.width} height={image.height} />
        ) : live && preview ? (
          <PreviewCanvas image={preview.image} step={preview.step} />
        ) : (
          <p className="placeholder">{working ? "Working…" : "Your image appears here."}</p>
        )}
      </div>
      {image && (
        <div className="image-actions">
          <span>
            Seed <output>{image.seed}</output>{" "}
            <button
              type="button"
              className="icon"
              aria-label={`Reuse seed ${image.seed}`}
              title="Put this seed in the form"
              onClick={() => setParam("seed", image.seed)}
            >
              ♻
            </button>{" "}
            · {image.width}×{image.height}
            {image.timings ? ` · ${(image.timings.totalMs / 1000).toFixed(2)} s` : ""}
          </span>
          <a href={image.url} download={`${modelId}-${image.seed}.png`}>
            Download PNG
          </a>
          <CopyButton text={image.parameters} label="Copy parameters" />
          <SendToImg2img png={() => Promise.resolve(image.blob)} name={`${modelId}-${image.seed}.png`} params={image.params} />
        </div>
      )}
      {image && image.warnings.length > 0 && (
        <ul className="warnings" aria-label="Warnings">
          {image.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      {images.length > 1 && (
        // newest first, as the gallery shows them
        <ul className="thumbs" aria-label="Images this visit">
          {images
            .map((img, i) => ({ img, i }))
            .reverse()
            .map(({ img, i }, shown) => (
              <li key={img.url}>
                <button type="button" aria-pressed={i === selected} onClick={() => select(i)}>
                  <img src={img.url} alt={`Recent image ${shown + 1}, seed ${img.seed}`} />
                </button>
              </li>
            ))}
        </ul>
      )}
      {images.length >= MAX_RECENT && (
        // older images leave the strip (and memory); say where they are
        <p className="thumbs-note">
          This visit&rsquo;s last {MAX_RECENT} images{galleryKeepsAll ? "; the gallery below keeps every image" : ""}.
        </p>
      )}
    </section>
  );
}
