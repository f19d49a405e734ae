import { errorMessage } from "../errors";
import type { GalleryRecord } from "../gallery/galleryDb";
import { makeThumbnail } from "../gallery/thumbnail";
import { imageFileName, zipFiles, type NamedFile } from "../gallery/zip";
import { storageFullReason, type StorageFigures } from "../storage/errors";
import { isQuotaError, storageEstimate } from "../storage/weightCache";
import type { FinishedImage } from "./queueSlice";
import type { SliceCreator, StoreDeps } from "./store";

/** A gallery record as the grid shows it: the thumbnail as an object URL. */
export interface GalleryItem extends Omit<GalleryRecord, "thumb"> {
  thumbUrl: string;
}

export type GalleryStatus = "off" | "loading" | "ready" | "unavailable";

export interface GallerySlice {
  galleryStatus: GalleryStatus;
  /** The page on show, newest first. */
  galleryItems: GalleryItem[];
  galleryPage: number;
  galleryCount: number;
  /** Bytes all gallery images take (PNGs and thumbnails). */
  galleryBytes: number;
  galleryMessage?: string;
  /**
   * The image the user just deleted: hidden from the grid at once, removed from storage only when the undo
   * time is up (or the next delete comes), so "Undo" can bring it back.
   */
  galleryPendingDelete?: GalleryItem;
  loadGalleryPage(page: number): Promise<void>;
  saveToGallery(image: FinishedImage): Promise<void>;
  /** Hides the image and starts the undo time; storage is freed when it ends. */
  deleteFromGallery(item: GalleryItem): Promise<void>;
  /** Brings the image being deleted back. */
  undoGalleryDelete(): Promise<void>;
  /** Ends the undo time now: the image being deleted leaves storage. */
  finishGalleryDelete(): Promise<void>;
  galleryPng(id: string): Promise<Blob | undefined>;
  /** Every gallery image as PNG files in one ZIP; undefined when storage failed (the message says why). */
  galleryZip(): Promise<Blob | undefined>;
}

export const GALLERY_PAGE_SIZE = 24;
/** How long "Undo" is offered after a delete. */
export const UNDO_DELETE_MS = 6000;

/** Words for a blocked store (private mode, a sandboxed frame): nothing the user can fix. */
function unavailableMessage(err: unknown): string {
  const reason = errorMessage(err);
  return `The gallery is not available in this browser window (${reason}). New images can still be downloaded.`;
}

/** Words for a full store, with the browser's figures as they are now, and the ways out. */
export async function galleryFullMessage(estimate: () => Promise<StorageFigures | undefined> = storageEstimate): Promise<string> {
  return (
    `The last image was not saved to the gallery: ${storageFullReason(await estimate())}. ` +
    "Delete old images below, or keep them all with “Download all” (a ZIP) and then delete them; new images are saved again once there is room."
  );
}

export const createGallerySlice =
  (deps: StoreDeps): SliceCreator<GallerySlice> =>
  (set, get) => {
    const gallery = deps.gallery;
    // Only the newest page load may show its result; an older, slower one would show stale images.
    let loadSeq = 0;
    let undoTimer: ReturnType<typeof setTimeout> | undefined;
    let loading = 0;

    const fail = (err: unknown) => {
      if (isQuotaError(err)) {
        // the gallery still reads and deletes: only this image was lost, and the user can make room
        void galleryFullMessage(deps.storageEstimate).then((message) => set({ galleryMessage: message }));
        return;
      }
      console.warn("Gallery storage failed; generation keeps working without it.", err);
      set({ galleryStatus: "unavailable", galleryMessage: unavailableMessage(err) });
    };

    return {
      galleryStatus: gallery ? "loading" : "off",
      galleryItems: [],
      galleryPage: 0,
      galleryCount: 0,
      galleryBytes: 0,

      async loadGalleryPage(page) {
        if (!gallery) return;
        const seq = ++loadSeq;
        loading += 1;
        try {
          const stats = await gallery.stats();
          const lastPage = Math.max(0, Math.ceil(stats.count / GALLERY_PAGE_SIZE) - 1);
          const shown = Math.max(0, Math.min(page, lastPage));
          const hidden = get().galleryPendingDelete?.id;
          const records = (await gallery.page(shown * GALLERY_PAGE_SIZE, GALLERY_PAGE_SIZE)).filter((r) => r.id !== hidden);
          // an image still on the page keeps its URL: a new URL per reload (one per saved image) would have
          // the page decode and cache every thumbnail again, and the renderer's memory grow with each image
          const shownUrls = new Map(get().galleryItems.map((item) => [item.id, item.thumbUrl]));
          const created: string[] = [];
          const items = records.map(({ thumb, ...rest }) => {
            let thumbUrl = shownUrls.get(rest.id);
            if (thumbUrl === undefined) created.push((thumbUrl = URL.createObjectURL(thumb)));
            return { ...rest, thumbUrl };
          });
          if (seq !== loadSeq) {
            for (const url of created) URL.revokeObjectURL(url);
            return;
          }
          const kept = new Set(items.map((item) => item.thumbUrl));
          const old = get().galleryItems;
          set({
            galleryItems: items,
            galleryPage: shown,
            galleryCount: stats.count - (hidden === undefined ? 0 : 1),
            galleryBytes: stats.bytes,
            galleryStatus: "ready",
            galleryMessage: undefined,
          });
          for (const item of old) if (!kept.has(item.thumbUrl)) URL.revokeObjectURL(item.thumbUrl);
        } catch (err) {
          fail(err);
        } finally {
          loading -= 1;
        }
      },

      async saveToGallery(image) {
        if (!gallery || get().galleryStatus === "unavailable") return;
        try {
          const thumb = await makeThumbnail(image.blob, image.width, image.height);
          const { thumb: saved, ...record } = await gallery.add(
            { params: image.params, parameters: image.parameters, modelId: image.modelId, width: image.width, height: image.height },
            image.blob,
            thumb,
          );
          const s = get();
          if (s.galleryPage !== 0 || s.galleryStatus !== "ready" || loading > 0) {
            await get().loadGalleryPage(s.galleryPage);
            return;
          }
          // the newest image goes on top of the first page as it is: reading the page back from storage after
          // every image would cost a page of thumbnails each time (and the renderer's memory with it)
          const items = [{ ...record, thumbUrl: URL.createObjectURL(saved) }, ...s.galleryItems];
          for (const dropped of items.splice(GALLERY_PAGE_SIZE)) URL.revokeObjectURL(dropped.thumbUrl);
          set({ galleryItems: items, galleryCount: s.galleryCount + 1, galleryBytes: s.galleryBytes + record.bytes, galleryMessage: undefined });
        } catch (err) {
          fail(err);
        }
      },

      async deleteFromGallery(item) {
        if (!gallery) return;
        await get().finishGalleryDelete();
        set((s) => ({
          galleryPendingDelete: item,
          galleryItems: s.galleryItems.filter((i) => i.id !== item.id),
          galleryCount: Math.max(0, s.galleryCount - 1),
        }));
        undoTimer = setTimeout(() => void get().finishGalleryDelete(), UNDO_DELETE_MS);
      },

      async undoGalleryDelete() {
        clearTimeout(undoTimer);
        if (!get().galleryPendingDelete) return;
        set({ galleryPendingDelete: undefined });
        await get().loadGalleryPage(get().galleryPage);
      },

      async finishGalleryDelete() {
        clearTimeout(undoTimer);
        const item = get().galleryPendingDelete;
        if (!gallery || !item) return;
        try {
          await gallery.remove(item);
          URL.revokeObjectURL(item.thumbUrl);
          set({ galleryPendingDelete: undefined });
          await get().loadGalleryPage(get().galleryPage);
        } catch (err) {
          set({ galleryPendingDelete: undefined });
          fail(err);
        }
      },

      async galleryPng(id) {
        try {
          return await gallery?.png(id);
        } catch (err) {
          fail(err);
          return undefined;
        }
      },

      async galleryZip() {
        if (!gallery) return undefined;
        try {
          const files: NamedFile[] = [];
          const { count } = await gallery.stats();
          for (let offset = 0; offset < count; offset += GALLERY_PAGE_SIZE) {
            for (const record of await gallery.page(offset, GALLERY_PAGE_SIZE)) {
              const png = await gallery.png(record.id);
              if (!png) continue;
              const name = imageFileName(record.modelId, record.params.seed, record.params.prompt);
              files.push({ name, bytes: new Uint8Array(await png.arrayBuffer()) });
            }
          }
          return new Blob([zipFiles(files) as Uint8Array<ArrayBuffer>], { type: "application/zip" });
        } catch (err) {
          fail(err);
          return undefined;
        }
      },
    };
  };
