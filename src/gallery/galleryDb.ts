/**
 * Every finished image, kept in IndexedDB across visits: a small record (parameters and a thumbnail) per
 * image, and the full PNG under its own key so a page of the gallery never reads full images.
 *
 * idb-keyval (already our dependency for storage) rather than `idb`: its custom store hands us the raw
 * IDBObjectStore, which is all paging needs (a key range and a cursor). The database is our own, so
 * deleting images can never touch the cached model weights, which live in the "weights" database.
 */
import { createStore, get, promisifyRequest, type UseStore } from "idb-keyval";
import type { GenerateParams } from "../params";

export const GALLERY_DB = "gallery";
const STORE_NAME = "images";

/** What the gallery knows about one image, without its full PNG. */
export interface GalleryRecord {
  id: string;
  /** Milliseconds since the epoch; records are listed newest first. */
  createdAt: number;
  params: GenerateParams;
  /** The A1111 parameters text written into the PNG. */
  parameters: string;
  modelId: string;
  width: number;
  height: number;
  /** Bytes this image takes in the gallery: PNG plus thumbnail. */
  bytes: number;
  thumb: Blob;
}

export type NewGalleryImage = Omit<GalleryRecord, "id" | "createdAt" | "bytes" | "thumb">;

export interface GalleryStats {
  count: number;
  bytes: number;
}

export interface Gallery {
  add(image: NewGalleryImage, png: Blob, thumb: Blob): Promise<GalleryRecord>;
  /** Records newest first, skipping `offset`. */
  page(offset: number, limit: number): Promise<GalleryRecord[]>;
  stats(): Promise<GalleryStats>;
  png(id: string): Promise<Blob | undefined>;
  remove(record: Pick<GalleryRecord, "id" | "createdAt">): Promise<void>;
}

// Keys are arrays, which IndexedDB orders element by element: ["meta", createdAt, id] sorts records by
// time, and every record key lies between ["meta"] and ["meta", []] (arrays sort after numbers and strings).
type MetaKey = ["meta", number, string];
const metaKey = (r: Pick<GalleryRecord, "id" | "createdAt">): MetaKey => ["meta", r.createdAt, r.id];
const pngKey = (id: string): ["png", string] => ["png", id];
const META_RANGE = (): IDBKeyRange => IDBKeyRange.bound(["meta"], ["meta", []]);

export function openGallery(dbName = GALLERY_DB): Gallery {
  const store: UseStore = createStore(dbName, STORE_NAME);
  let lastCreatedAt = 0;

  return {
    async add(image, png, thumb) {
      // Two images finished within one millisecond still get distinct, ordered keys.
      const createdAt = Math.max(Date.now(), lastCreatedAt + 1);
      lastCreatedAt = createdAt;
      const record: GalleryRecord = { ...image, id: crypto.randomUUID(), createdAt, bytes: png.size + thumb.size, thumb };
      await store("readwrite", (os) => {
        os.put(record, metaKey(record));
        os.put(png, pngKey(record.id));
        return promisifyRequest(os.transaction);
      });
      return record;
    },

    page(offset, limit) {
      return store("readonly", (os) => collect(os.openCursor(META_RANGE(), "prev"), offset, limit));
    },

    stats() {
      return store("readonly", async (os) => {
        const records = await promisifyRequest<GalleryRecord[]>(os.getAll(META_RANGE()));
        return { count: records.length, bytes: records.reduce((sum, r) => sum + r.bytes, 0) };
      });
    },

    png: (id) => get<Blob>(pngKey(id), store),

    remove(record) {
      return store("readwrite", (os) => {
        os.delete(metaKey(record));
        os.delete(pngKey(record.id));
        return promisifyRequest(os.transaction);
      });
    },
  };
}

/** Walks a cursor: skips `offset` records in one jump, then gathers up to `limit`. */
function collect(request: IDBRequest<IDBCursorWithValue | null>, offset: number, limit: number): Promise<GalleryRecord[]> {
  return new Promise((resolve, reject) => {
    const out: GalleryRecord[] = [];
    let skipped = offset === 0;
    request.onerror = () => reject(request.error);
    request.onsuccess = () => {
      const cursor = request.result;
      if (!cursor || out.length >= limit) return resolve(out);
      if (!skipped) {
        skipped = true;
        cursor.advance(offset);
        return;
      }
      const record: GalleryRecord = cursor.value;
      out.push(record);
      cursor.continue();
    };
  });
}
