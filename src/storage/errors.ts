/**
 * Named errors of the weight cache and the downloader, with fix-it text. They extend AppError and keep
 * its (message, data) constructor, so they cross the worker boundary as { name, message, data } and can
 * be rebuilt by name on the other side (src/errorRegistry.ts); the static `of` builds each message from the facts.
 */
import { AppError } from "../errors";
import { about } from "../hub/errors";

/** "1.73 GB", "681 MB": decimal units, as the hub lists file sizes, so the numbers can be compared. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${Math.round(bytes / 1e6)} MB`;
  return `${Math.max(1, Math.round(bytes / 1e3))} kB`;
}

/** `navigator.storage.estimate()` as it stood when a write failed. */
export interface StorageFigures {
  usage: number;
  quota: number;
}

/**
 * Why a write was refused, in figures. Chromium's quota is a share of the disk's size, not of its free space,
 * so "quota − usage" overstates what is left on a nearly full disk; when the site is far below its quota the
 * disk itself is full, and the message says so rather than quoting space that is not there.
 */
export function storageFullReason(figures: StorageFigures | undefined): string {
  if (!figures) return "the browser refused to store more";
  if (figures.quota - figures.usage <= QUOTA_SLACK_BYTES) {
    return `this site has used up the storage the browser allows it (${formatBytes(figures.usage)} of ${formatBytes(figures.quota)})`;
  }
  return `this device's disk is full (this site stores ${formatBytes(figures.usage)}, within the ${formatBytes(figures.quota)} the browser would allow it)`;
}

/** A refused write is at most a few chunks; with less than this under the quota, the quota is what stopped it. */
const QUOTA_SLACK_BYTES = 64e6;

/** Things the user can delete to make room, largest first, named with their sizes. */
export function deletable(items: readonly { name: string; bytes: number }[]): string {
  const named = [...items]
    .filter((i) => i.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 3);
  return named.map((i) => `${i.name} (${formatBytes(i.bytes)})`).join(", ");
}

/** The browser refused to store more; the partial file of this model is kept so the download can resume. */
export class QuotaExceededError extends AppError {
  override name = "QuotaExceededError";
  static of(info: {
    model: string;
    modelBytes?: number;
    stored: number;
    /** The estimate at the moment the write failed. */
    figures?: StorageFigures;
    /** Other downloaded models that could be deleted. */
    others?: { name: string; bytes: number }[];
  }): QuotaExceededError {
    const need = info.modelBytes !== undefined ? `${info.model} needs about ${formatBytes(info.modelBytes)}` : `${info.model} does not fit`;
    const others = deletable(info.others ?? []);
    const room = others
      ? `delete another model (${others}) or images in the gallery, or free disk space`
      : "delete images in the gallery or free disk space";
    return new QuotaExceededError(
      `${need}, but ${storageFullReason(info.figures)}. ${formatBytes(info.stored)} already downloaded are kept: ` +
        `to make room, ${room}; then start the download again to resume.`,
      {
        model: info.model,
        stored: info.stored,
        ...(info.modelBytes !== undefined ? { modelBytes: info.modelBytes } : {}),
        ...(info.figures ? { usage: info.figures.usage, quota: info.figures.quota } : {}),
      },
    );
  }
}

/** The body is not what the path promises, typically an HTML error or login page served with 200. */
export class NotOnnxError extends AppError {
  override name = "NotOnnxError";
  static of(url: string, what: string): NotOnnxError {
    return new NotOnnxError(`${url} is not an ONNX model (${what}); a proxy or captive portal may have answered instead of the hub.`, {
      url,
    });
  }
}

/** The hub could not be reached or kept failing; what was stored so far is kept for the next try. */
export class DownloadFailedError extends AppError {
  override name = "DownloadFailedError";
  static of(url: string, cause: string, stored: number, what?: string): DownloadFailedError {
    return new DownloadFailedError(
      `${about(what)}downloading ${url} failed (${cause}). ` +
        (stored > 0 ? `${formatBytes(stored)} already downloaded are kept; ` : "") +
        `check the connection and start the download again${stored > 0 ? " to resume" : ""}.`,
      { url, stored },
    );
  }
}

/** The browser says it is offline: the download stops at once instead of retrying, and resumes when it is back online. */
export class DownloadOfflineError extends AppError {
  override name = "DownloadOfflineError";
  static of(what: string, stored: number): DownloadOfflineError {
    return new DownloadOfflineError(
      `${what} cannot be downloaded: this device is offline. ` +
        (stored > 0 ? `${formatBytes(stored)} already downloaded are kept, and the download` : "The download") +
        ` goes on by itself when the connection is back.`,
      { what, stored },
    );
  }
}

/** Size or SHA-256 of a download differs from what was expected; the file was deleted. */
export class IntegrityError extends AppError {
  override name = "IntegrityError";
  static of(file: string, detail: string): IntegrityError {
    return new IntegrityError(
      `${file} failed its integrity check (${detail}); the downloaded copy was deleted. Download again; ` +
        `if it fails again, the file on the hub differs from the one the catalog expects.`,
      { file },
    );
  }
}

/** A stored file no longer matches its recorded size or hash; it was deleted so it is never handed on. */
export class CacheCorruptError extends AppError {
  override name = "CacheCorruptError";
  static of(file: string, detail: string): CacheCorruptError {
    return new CacheCorruptError(`The stored copy of ${file} is damaged (${detail}); it was removed. Download the model again.`, { file });
  }
}

/** Reading a stored file failed (the browser's blob store, memory); the file is kept, as nothing says its bytes are bad. */
export class CacheReadError extends AppError {
  override name = "CacheReadError";
  static of(file: string, detail: string): CacheReadError {
    return new CacheReadError(
      `The stored copy of ${file} could not be read (${detail}); it is kept. Close other tabs to free memory and try again; ` +
        `if it keeps failing, delete the model in Models and download it again.`,
      { file },
    );
  }
}

/** A stored file is larger than one buffer can hold, so it must be read in parts; nothing is deleted. */
export class FileTooLargeError extends AppError {
  override name = "FileTooLargeError";
  static of(file: string, bytes: number, limit: number): FileTooLargeError {
    return new FileTooLargeError(
      `${file} is ${formatBytes(bytes)}, more than the ${formatBytes(limit)} one buffer can hold, so it cannot be read in one piece; ` +
        `it stays stored. This model needs its weights loaded in parts (external data).`,
      { file, bytes, limit },
    );
  }
}

/**
 * ONNX Runtime could not load a file read from the weight cache: the stored copy is likely cut short or
 * damaged although it passed the checks there were. Names the model and file so the UI can offer to
 * download just that file again.
 */
export class DamagedModelFileError extends AppError {
  override name = "DamagedModelFileError";
  static of(info: { model: string; modelId: string; file: string; cause: string }): DamagedModelFileError {
    return new DamagedModelFileError(
      `${info.cause.replace(/\.?$/, ".")} The stored copy of ${info.file} is probably incomplete or damaged: open Models and ` +
        `choose "Download ${info.file} again" for ${info.model}.`,
      { model: info.model, modelId: info.modelId, file: info.file },
    );
  }
}

/** A model is used (e.g. offline) before all its files are complete in the cache. */
export class ModelNotDownloadedError extends AppError {
  override name = "ModelNotDownloadedError";
  static of(model: string, done: number, total: number): ModelNotDownloadedError {
    return new ModelNotDownloadedError(
      `${model} is not fully downloaded (${done} of ${total} files); connect to the internet to finish the download.`,
      { model, done, total },
    );
  }
}
