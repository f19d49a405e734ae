import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import type { GalleryItem } from "./gallerySlice";
import { PixelImage } from "./PixelImage";
import { useApp } from "./StoreContext";

/**
 * A gallery image at full size in a modal dialog: ← and → step through the page's images, Escape (the
 * browser's own dialog handling) and the Close button close it, and focus goes back where it was.
 */
export function Lightbox({ items, index, onIndex, onClose }: { items: GalleryItem[]; index: number; onIndex(i: number): void; onClose(): void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const galleryPng = useApp((s) => s.galleryPng);
  const item = items[index];
  const [url, setUrl] = useState<string>();

  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
  }, []);

  useEffect(() => {
    if (!item) return;
    let live = true;
    let made: string | undefined;
    void galleryPng(item.id).then((png) => {
      if (!live || !png) return;
      made = URL.createObjectURL(png);
      setUrl(made);
    });
    return () => {
      live = false;
      setUrl(undefined);
      if (made) URL.revokeObjectURL(made);
    };
  }, [item, galleryPng]);

  if (!item) return null;
  const step = (by: number) => onIndex(Math.max(0, Math.min(items.length - 1, index + by)));
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "ArrowLeft" || e.key === "ArrowRight") {
      e.preventDefault();
      step(e.key === "ArrowLeft" ? -1 : 1);
    }
  };
  const { prompt, seed } = item.params;
  return (
    <dialog ref={dialog} className="lightbox" aria-labelledby="lightbox-title" onClose={onClose} onKeyDown={onKeyDown}>
      <h2 id="lightbox-title">
        Image {index + 1} of {items.length} · seed {seed}
      </h2>
      <div className="lightbox-frame">
        {url ? (
          <PixelImage src={url} alt={`Full size, seed ${seed}`} width={item.width} height={item.height} />
        ) : (
          <p className="placeholder">Loading…</p>
        )}
      </div>
      <p className="gallery-prompt">{prompt === "" ? "(empty prompt)" : prompt}</p>
      <div className="actions">
        <button type="button" onClick={() => step(-1)} disabled={index === 0} aria-keyshortcuts="ArrowLeft">
          Previous
        </button>
        <button type="button" onClick={() => step(1)} disabled={index === items.length - 1} aria-keyshortcuts="ArrowRight">
          Next
        </button>
        <button type="button" onClick={() => dialog.current?.close()} aria-keyshortcuts="Escape">
          Close
        </button>
      </div>
    </dialog>
  );
}
