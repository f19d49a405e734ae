import { useState } from "react";
import { THUMB_SIZE } from "../gallery/thumbnail";
import { imageFileName } from "../gallery/zip";
import { formatBytes, saveBlob } from "./download";
import { GALLERY_PAGE_SIZE, type GalleryItem } from "./gallerySlice";
import { Lightbox } from "./Lightbox";
import { SendToImg2img } from "./SendToImg2img";
import { useApp } from "./StoreContext";

function GalleryCard({ item, onOpen }: { item: GalleryItem; onOpen(): void }) {
  const applySettings = useApp((s) => s.applySettings);
  const deleteFromGallery = useApp((s) => s.deleteFromGallery);
  const galleryPng = useApp((s) => s.galleryPng);
  const { prompt, seed, steps, sampler, guidance } = item.params;
  const download = async () => {
    const png = await galleryPng(item.id);
    if (png) saveBlob(png, imageFileName(item.modelId, seed, prompt));
  };
  return (
    <li className="gallery-card">
      <button type="button" className="thumb-button" onClick={onOpen} aria-label={`Open full size: seed ${seed}`}>
        {/* an image no larger than its thumbnail is the thumbnail: its pixels stay crisp when the card stretches it */}
        <img
          src={item.thumbUrl}
          alt={`Saved image, seed ${seed}`}
          width={item.width}
          height={item.height}
          loading="lazy"
          className={Math.max(item.width, item.height) <= THUMB_SIZE ? "pixelated" : undefined}
        />
      </button>
      <p className="gallery-prompt" title={item.parameters}>
        {prompt === "" ? "(empty prompt)" : prompt}
      </p>
      <p className="gallery-meta">
        seed {seed} · {steps} steps · {sampler} · CFG {guidance} · {item.width}×{item.height}
      </p>
      <div className="gallery-actions">
        <button type="button" onClick={() => applySettings(item.params)}>
          Use these settings
        </button>
        <button type="button" onClick={() => void download()}>
          Download image
        </button>
        <SendToImg2img png={() => galleryPng(item.id)} name={imageFileName(item.modelId, seed, prompt)} params={item.params} />
        <button type="button" className="danger" onClick={() => void deleteFromGallery(item)}>
          Delete
        </button>
      </div>
    </li>
  );
}

function Pager() {
  const page = useApp((s) => s.galleryPage);
  const count = useApp((s) => s.galleryCount);
  const load = useApp((s) => s.loadGalleryPage);
  const pages = Math.ceil(count / GALLERY_PAGE_SIZE);
  if (pages <= 1) return null;
  return (
    <nav className="pager" aria-label="Gallery pages">
      <button type="button" disabled={page === 0} onClick={() => void load(page - 1)}>
        Newer
      </button>
      <span>
        Page {page + 1} of {pages}
      </span>
      <button type="button" disabled={page >= pages - 1} onClick={() => void load(page + 1)}>
        Older
      </button>
    </nav>
  );
}

/** "Image deleted. Undo" while the deleted image can still come back. */
function UndoDelete() {
  const pending = useApp((s) => s.galleryPendingDelete);
  const undo = useApp((s) => s.undoGalleryDelete);
  return (
    <div className="toast" role="status">
      {pending && (
        <>
          <span>Image deleted (seed {pending.params.seed}).</span>
          <button type="button" onClick={() => void undo()}>
            Undo
          </button>
        </>
      )}
    </div>
  );
}

/** Every image made in this browser, newest first, kept across visits. */
export function GalleryPanel() {
  const status = useApp((s) => s.galleryStatus);
  const items = useApp((s) => s.galleryItems);
  const count = useApp((s) => s.galleryCount);
  const bytes = useApp((s) => s.galleryBytes);
  const message = useApp((s) => s.galleryMessage);
  const galleryZip = useApp((s) => s.galleryZip);
  const [zipping, setZipping] = useState(false);
  const [open, setOpen] = useState<number>();
  if (status === "off") return null;

  const downloadAll = async () => {
    setZipping(true);
    try {
      const zip = await galleryZip();
      if (zip) saveBlob(zip, "gallery.zip");
    } finally {
      setZipping(false);
    }
  };

  return (
    <section className="gallery" aria-labelledby="gallery-heading">
      <div className="gallery-head">
        <h2 id="gallery-heading">Gallery</h2>
        <p className="gallery-usage">
          {count} {count === 1 ? "image" : "images"} · Storage used: <strong>{formatBytes(bytes)}</strong>
        </p>
        <button type="button" disabled={count === 0 || zipping} onClick={() => void downloadAll()} title="All images as PNGs in one ZIP">
          {zipping ? "Preparing…" : "Download all"}
        </button>
      </div>
      {message && (
        <p className="error" role="alert">
          {message}
        </p>
      )}
      {status === "ready" && count === 0 && <p className="placeholder">Images you make are kept here, in this browser.</p>}
      <ul className="gallery-grid" aria-label="Saved images">
        {items.map((item, i) => (
          <GalleryCard key={item.id} item={item} onOpen={() => setOpen(i)} />
        ))}
      </ul>
      <Pager />
      <UndoDelete />
      {open !== undefined && <Lightbox items={items} index={Math.min(open, items.length - 1)} onIndex={setOpen} onClose={() => setOpen(undefined)} />}
    </section>
  );
}
