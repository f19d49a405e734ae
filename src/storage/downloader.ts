/**
 * Streams model files from the hub into the weight cache: chunks are stored as they arrive, a dropped
 * connection, a closed tab or a pause resumes with `Range: bytes=N-` from what is stored, and a file
 * becomes usable only once its size and SHA-256 check out.
 *
 * Resuming needs the SHA-256 state of the bytes already stored. The cache saves hash-wasm's hasher
 * state with every chunk (in the same transaction), so a resume costs nothing; only a state from an
 * incompatible hash-wasm build makes the cache re-read the stored chunks.
 */
import type { FileDownload, HubCatalogEntry } from "../models/catalog";
import { CATALOG, findEntry, hubDownloads } from "../models/catalog";
import {
  DownloadFailedError,
  HubAccessDeniedError,
  HubFileNotFoundError,
  IntegrityError,
  NotOnnxError,
  QuotaExceededError,
} from "./errors";
import {
  isQuotaError,
  storageEstimate,
  type CacheWriter,
  type FileRecord,
  type StorageEstimateLike,
  type WeightCache,
} from "./weightCache";

export interface DownloadProgress {
  modelId: string;
  file: string;
  /** Bytes of this file stored or received so far. */
  loaded: number;
  total?: number;
  /** Over the last few seconds of this session. */
  bytesPerSecond: number;
  etaSeconds?: number;
  /** Position of the file in its model's download, when downloading a whole model. */
  index?: number;
  count?: number;
}

export interface DownloadOptions {
  /** Aborting pauses: what arrived is stored, and the next download resumes from there. */
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  fetch?: typeof fetch;
  /** Consecutive failed tries without progress before giving up (default 5). */
  maxAttempts?: number;
  /** Delay before the first retry, doubled each time up to maxRetryDelayMs (defaults 1 s and 30 s). */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  estimate?: () => Promise<StorageEstimateLike | undefined>;
  /** Names the model and its size in an out-of-space message. */
  model?: { name: string; bytes?: number };
  /** Least time between two progress reports (default 250 ms). */
  progressIntervalMs?: number;
}

const ONNX_FIRST_BYTE = 0x08; // protobuf field 1 (ir_version), varint: every ONNX file starts so
const RATE_WINDOW_MS = 5000;
const READ_BUFFER_BYTES = 1024 * 1024;

/** A failure worth another try (network, 5xx, cut-off body); anything else is thrown as is. */
class Retryable extends Error {}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/** Transfer rate over a sliding window, so a stall shows up within seconds. */
function rateMeter() {
  const samples: { t: number; bytes: number }[] = [];
  return (bytes: number): number => {
    const t = performance.now();
    samples.push({ t, bytes });
    while (samples.length > 2 && t - samples[0].t > RATE_WINDOW_MS) samples.shift();
    const first = samples[0];
    return t > first.t ? ((bytes - first.bytes) * 1000) / (t - first.t) : 0;
  };
}

interface BodyReader {
  /** The next bytes, valid until the following read; undefined at the end. */
  read(): Promise<Uint8Array | undefined>;
  cancel(): Promise<void>;
}

/**
 * Reads a body into one reused buffer. A default reader hands over a new ArrayBuffer for every network
 * read, and V8 collects those only after tens of MB pile up: just reading a 256 MB download that way
 * peaked 52–54 MB above idle, with a BYOB reader 2–4 MB (bench/downloadHeap.ts --mode read / read-byob;
 * the whole download went from 60–74 to 10–12 MB). Bodies that are not byte streams (test doubles, some
 * polyfills) fall back to the default reader.
 */
function bodyReader(body: ReadableStream<Uint8Array>): BodyReader {
  let byob: ReadableStreamBYOBReader;
  try {
    byob = body.getReader({ mode: "byob" });
  } catch {
    const reader = body.getReader();
    return { read: async () => (await reader.read()).value, cancel: () => reader.cancel() };
  }
  let buffer = new ArrayBuffer(READ_BUFFER_BYTES);
  return {
    async read() {
      const { done, value } = await byob.read(new Uint8Array(buffer));
      if (done || !value) return undefined;
      // the read transferred the buffer into `value`: take it back for the next read
      buffer = value.buffer;
      return value;
    },
    cancel: () => byob.cancel(),
  };
}

/** `bytes a-b/total` → a and total (total undefined for `*`). */
function parseContentRange(value: string | null): { start?: number; total?: number } {
  const m = /^bytes\s+(?:(\d+)-\d+|\*)\/(\d+|\*)$/.exec(value?.trim() ?? "");
  if (!m) return {};
  return { start: m[1] !== undefined ? Number(m[1]) : undefined, total: m[2] !== "*" ? Number(m[2]) : undefined };
}

function announcedTotal(res: Response, start: number): number | undefined {
  if (res.status === 206) return parseContentRange(res.headers.get("content-range")).total;
  const encoding = res.headers.get("content-encoding");
  const length = res.headers.get("content-length");
  // a compressed body's length is not the file's
  return length !== null && (!encoding || encoding === "identity") ? start + Number(length) : undefined;
}

/**
 * Downloads one file into the cache, resuming what is stored, and returns its record once complete and
 * verified. A file already complete is not fetched again.
 */
export async function downloadFile(cache: WeightCache, file: FileDownload, options: DownloadOptions = {}): Promise<FileRecord> {
  const existing = await cache.stat(file.modelId, file.path);
  if (existing?.complete && existing.verified) return existing;
  const { signal, maxAttempts = 5, retryDelayMs = 1000, maxRetryDelayMs = 30_000, sleep = defaultSleep } = options;
  const fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
  const interval = options.progressIntervalMs ?? 250;
  const meter = rateMeter();
  let sessionBytes = 0;
  let lastReport = -Infinity;

  const report = (loaded: number, total: number | undefined, force = false) => {
    const now = performance.now();
    if (!options.onProgress || (!force && now - lastReport < interval)) return;
    lastReport = now;
    const bytesPerSecond = meter(sessionBytes);
    const etaSeconds = total !== undefined && bytesPerSecond > 0 ? Math.max(0, total - loaded) / bytesPerSecond : undefined;
    options.onProgress({ modelId: file.modelId, file: file.path, loaded, total, bytesPerSecond, etaSeconds });
  };

  /** Asks for the bytes not yet stored. */
  async function request(writer: CacheWriter): Promise<{ res: Response; start: number }> {
    const start = writer.bytesStored;
    const headers: Record<string, string> = {};
    if (start > 0) {
      headers.Range = `bytes=${start}-`;
      // a changed file answers 200 with the whole new body instead of splicing two versions
      if (writer.record.etag) headers["If-Range"] = writer.record.etag;
    }
    try {
      // no-store: the weights live in our cache; a second copy in the HTTP cache would double the disk use
      return { res: await fetchFn(file.url, { headers, signal, cache: "no-store" }), start };
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new Retryable(`network error: ${(err as Error).message}`);
    }
  }

  /** Checks status and headers; returns where the body starts in the file and the file's size, if known. */
  async function accept(writer: CacheWriter, res: Response, start: number): Promise<{ start: number; total?: number }> {
    if (res.status === 404) throw HubFileNotFoundError.of(file.url);
    if (res.status === 401 || res.status === 403) throw HubAccessDeniedError.of(file.url, res.status);
    if (!res.ok || !res.body) throw new Retryable(`HTTP ${res.status}`);
    if (start > 0 && res.status === 200) {
      // the server ignored Range, or If-Range saw a new version: take the whole body from byte 0
      await writer.reset();
      start = 0;
    }
    if (res.status === 206 && parseContentRange(res.headers.get("content-range")).start !== start) {
      throw new Retryable(`the server sent ${res.headers.get("content-range")} for bytes=${start}-`);
    }
    if (/text\/html/i.test(res.headers.get("content-type") ?? "")) throw NotOnnxError.of(file.url, "an HTML page");
    const announced = announcedTotal(res, start);
    if (file.expected?.bytes !== undefined && announced !== undefined && announced !== file.expected.bytes) {
      // no point fetching gigabytes that cannot match
      await writer.reset();
      throw IntegrityError.of(file.path, `the hub announces ${announced} bytes, the manifest ${file.expected.bytes}`);
    }
    const total = file.expected?.bytes ?? announced;
    const etag = res.headers.get("etag");
    writer.describe({ totalBytes: total, etag: etag && !etag.startsWith("W/") ? etag : undefined });
    return { start, total };
  }

  /** One request: streams the body into the writer; resolves with the finished record. */
  async function transfer(writer: CacheWriter): Promise<FileRecord> {
    const sent = await request(writer);
    const { res } = sent;
    if (res.status === 416 && sent.start > 0) {
      // nothing left to send: either everything is stored, or the file shrank and must start over
      if (parseContentRange(res.headers.get("content-range")).total === sent.start) return writer.finish(file.expected);
      await writer.reset();
      throw new Retryable("the stored part no longer matches the file on the hub");
    }
    let accepted: { start: number; total?: number };
    try {
      accepted = await accept(writer, res, sent.start);
    } catch (err) {
      // release the connection instead of leaving an unread body to the garbage collector
      await res.body?.cancel().catch(() => undefined);
      throw err;
    }
    const { total } = accepted;
    const reader = bodyReader(res.body as ReadableStream<Uint8Array>);
    let loaded = accepted.start;
    report(loaded, total, true);
    try {
      for (;;) {
        let chunk: Uint8Array | undefined;
        try {
          chunk = await reader.read();
        } catch (err) {
          if (signal?.aborted) throw err;
          throw new Retryable(`connection lost: ${(err as Error).message}`);
        }
        if (!chunk) break;
        if (loaded === 0 && chunk.length > 0 && file.path.endsWith(".onnx") && chunk[0] !== ONNX_FIRST_BYTE) {
          throw NotOnnxError.of(file.url, "it does not start like an ONNX file");
        }
        // append copies the bytes before it returns, so the reader may refill its buffer afterwards
        await writer.append(chunk);
        loaded += chunk.length;
        sessionBytes += chunk.length;
        report(loaded, total);
      }
    } catch (err) {
      await reader.cancel().catch(() => undefined);
      throw err;
    }
    if (total !== undefined && loaded < total) throw new Retryable(`the connection closed after ${loaded} of ${total} bytes`);
    const record = await writer.finish(file.expected);
    report(record.bytes, record.bytes, true);
    return record;
  }

  let failures = 0;
  for (;;) {
    signal?.throwIfAborted();
    const writer = await cache.writer(file.modelId, file.path);
    const before = writer.bytesStored;
    try {
      return await transfer(writer);
    } catch (err) {
      if (isQuotaError(err)) throw await quotaError(cache, file, options);
      if (!(err instanceof Retryable) && !signal?.aborted) throw err;
      // keep every byte that arrived before the pause or the failure
      await writer.flush().catch(() => undefined);
      if (signal?.aborted) throw signal.reason;
      failures = writer.bytesStored > before ? 1 : failures + 1;
      if (failures >= maxAttempts) throw DownloadFailedError.of(file.url, `${failures} tries, last: ${(err as Error).message}`, writer.bytesStored);
      await sleep(Math.min(maxRetryDelayMs, retryDelayMs * 2 ** (failures - 1)), signal);
    }
  }
}

async function quotaError(cache: WeightCache, file: FileDownload, options: DownloadOptions): Promise<QuotaExceededError> {
  // figures as they are now, at the failure, not from before the download
  const figures = await (options.estimate ?? storageEstimate)();
  const stored = (await cache.files(file.modelId)).reduce((sum, f) => sum + f.bytes, 0);
  const others = (await cache.usage().catch(() => []))
    .filter((u) => u.modelId !== file.modelId)
    .map((u) => ({ name: catalogName(u.modelId), bytes: u.bytes }));
  return QuotaExceededError.of({ model: options.model?.name ?? file.modelId, modelBytes: options.model?.bytes, stored, figures, others });
}

/**
 * Downloads every file of one variant of a hub model, one after another (the cache's index says which
 * are done, so calling it again resumes). Progress reports carry the file's index and the file count.
 * A Web Lock per model keeps two tabs from writing the same files at once; the second waits, then finds
 * them complete.
 */
export async function downloadModel(
  cache: WeightCache,
  entry: HubCatalogEntry,
  variantId: string,
  hubBase: string,
  options: DownloadOptions = {},
): Promise<FileRecord[]> {
  const downloads = hubDownloads(entry, variantId, hubBase);
  const run = async () => {
    const records: FileRecord[] = [];
    for (const [index, file] of downloads.entries()) {
      records.push(
        await downloadFile(cache, file, {
          model: { name: entry.manifest.name, bytes: entry.downloadBytes[variantId] },
          ...options,
          onProgress: options.onProgress && ((p) => options.onProgress?.({ ...p, index, count: downloads.length })),
        }),
      );
    }
    return records;
  };
  const locks = globalThis.navigator?.locks;
  if (!locks) return run();
  return locks.request(`weight-cache:${entry.manifest.id}`, options.signal ? { signal: options.signal } : {}, run);
}

/** A model's name as the catalog gives it; custom models are named by their id. */
function catalogName(modelId: string): string {
  const entry = findEntry(CATALOG, modelId);
  return entry?.kind === "hub" ? entry.manifest.name : modelId;
}
