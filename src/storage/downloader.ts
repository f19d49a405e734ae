/**
 * Streams model files from the hub into the weight cache: chunks are stored as they arrive, a dropped
 * connection, a closed tab or a pause resumes with `Range: bytes=N-` from what is stored, and a file
 * becomes usable only once it is complete; it counts as verified once a size or SHA-256 that did not
 * come with the bytes matches (the manifest's, or the hub's: HEAD, Content-Range totals, the LFS ETag).
 *
 * A resume sends Range alone: it is the one CORS-safelisted header for this, so no preflight is needed,
 * and Hugging Face's CDN (which allows no If-Range) answers it. Instead of If-Range, the response's ETag
 * and Content-Range total are compared with those recorded when the download started; another version
 * of the file restarts it from byte 0 rather than splicing two versions.
 *
 * Resuming needs the SHA-256 state of the bytes already stored. The cache saves hash-wasm's hasher
 * state with every chunk (in the same transaction), so a resume costs nothing; only a state from an
 * incompatible hash-wasm build makes the cache re-read the stored chunks.
 */
import { errorMessage } from "../errors";
import { HubAccessDeniedError, HubFileNotFoundError, HubNetworkError, HubStatusError, isTransient } from "../hub/errors";
import { hubFetch } from "../hub/hubFetch";
import { hubDownloads, type FileDownload, type HubCatalogEntry } from "../hub/hubModel";
import { DownloadFailedError, DownloadOfflineError, IntegrityError, NotOnnxError, QuotaExceededError, type StorageFigures } from "./errors";
import { isQuotaError, storageEstimate, type CacheWriter, type FileRecord, type HubFileFacts, type WeightCache } from "./weightCache";

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
  /** Set once the file had to start again from byte 0, and why (it changed on the hub). */
  restarted?: string;
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
  estimate?: () => Promise<StorageFigures | undefined>;
  /** Names the model and its size in an out-of-space message. */
  model?: { name: string; bytes?: number };
  /** Names other stored models (by id) in an out-of-space message, as things to delete; else their ids are shown. */
  nameOf?: (modelId: string) => string | undefined;
  /** Least time between two progress reports (default 250 ms). */
  progressIntervalMs?: number;
}

const ONNX_FIRST_BYTE = 0x08; // protobuf field 1 (ir_version), varint: every ONNX file starts so
const RATE_WINDOW_MS = 5000;
const READ_BUFFER_BYTES = 1024 * 1024;
/** A file that changes this often while it downloads is not worth chasing. */
const MAX_RESTARTS = 3;

/** A failure worth another try (network, 5xx, cut-off body); anything else is thrown as is. */
class Retryable extends Error {}

/** The hub answered for another version of the file than the stored bytes belong to. */
class FileChanged extends Error {}

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

/** The body's length in file bytes: a compressed body's length is not the file's. */
function bodyLength(res: Response): number | undefined {
  const encoding = res.headers.get("content-encoding");
  const length = res.headers.get("content-length");
  return length !== null && /^\d+$/.test(length) && (!encoding || encoding === "identity") ? Number(length) : undefined;
}

/** A strong ETag as sent, quotes included; weak ones (W/) say nothing about the bytes. */
function strongEtag(res: Response): string | undefined {
  const etag = res.headers.get("etag")?.trim();
  return etag && !etag.startsWith("W/") ? etag : undefined;
}

/**
 * The SHA-256 the hub states for the file: Hugging Face sends an LFS file's SHA-256 as X-Linked-Etag on
 * its redirect and as the ETag of the CDN's answer (other files get a 40-digit git hash, not this).
 */
function statedSha256(res: Response): string | undefined {
  for (const value of [res.headers.get("x-linked-etag"), strongEtag(res) ?? null]) {
    const m = /^"?([0-9a-f]{64})"?$/i.exec(value?.trim() ?? "");
    if (m) return m[1].toLowerCase();
  }
  return undefined;
}

/** What a response says about the whole file, as opposed to about its own body. */
function hubFacts(res: Response): HubFileFacts {
  const linked = res.headers.get("x-linked-size");
  const totalBytes =
    res.status === 206
      ? parseContentRange(res.headers.get("content-range")).total
      : linked !== null && /^\d+$/.test(linked)
        ? Number(linked)
        : undefined;
  return { totalBytes, etag: strongEtag(res), sha256: statedSha256(res) };
}

/** Why a response is not for the version recorded when the download started, if it is not. */
function otherVersion(recorded: Readonly<FileRecord>, facts: HubFileFacts, bodyTotal: number | undefined): string | undefined {
  if (recorded.etag && facts.etag && recorded.etag !== facts.etag) return `its ETag changed from ${recorded.etag} to ${facts.etag}`;
  if (recorded.hubSha256 && facts.sha256 && recorded.hubSha256 !== facts.sha256) return "its SHA-256 on the hub changed";
  if (recorded.totalBytes === undefined) return undefined;
  if (facts.totalBytes !== undefined && facts.totalBytes !== recorded.totalBytes) {
    return `its size changed from ${recorded.totalBytes} to ${facts.totalBytes} bytes`;
  }
  // a shorter body alone is a response cut short (the rest is fetched by Range), not another version; a
  // longer one is, unless the recorded size is a HEAD's Content-Length (maybe of a compressed body)
  if (bodyTotal !== undefined && bodyTotal > recorded.totalBytes && !recorded.totalIsContentLength) {
    return `its size changed from ${recorded.totalBytes} to ${bodyTotal} bytes`;
  }
  return undefined;
}

/**
 * Downloads one file into the cache, resuming what is stored, and returns its record once complete
 * (`verified` and `checks` say against what). A file already complete is not fetched again.
 */
export async function downloadFile(cache: WeightCache, file: FileDownload, options: DownloadOptions = {}): Promise<FileRecord> {
  const existing = await cache.stat(file.modelId, file.path);
  if (existing?.complete) return existing;
  const { signal, maxAttempts = 5, retryDelayMs = 1000, maxRetryDelayMs = 30_000, sleep = defaultSleep } = options;
  const fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
  const interval = options.progressIntervalMs ?? 250;
  const meter = rateMeter();
  // which model and part, for messages: a file name alone does not say which of several downloads failed
  const what = `${options.model?.name ?? file.modelId}: ${file.path}`;
  let sessionBytes = 0;
  let lastReport = -Infinity;
  let restarted: string | undefined;

  const report = (loaded: number, total: number | undefined, force = false) => {
    const now = performance.now();
    if (!options.onProgress || (!force && now - lastReport < interval)) return;
    lastReport = now;
    const bytesPerSecond = meter(sessionBytes);
    const etaSeconds = total !== undefined && bytesPerSecond > 0 ? Math.max(0, total - loaded) / bytesPerSecond : undefined;
    options.onProgress({ modelId: file.modelId, file: file.path, loaded, total, bytesPerSecond, etaSeconds, ...(restarted ? { restarted } : {}) });
  };

  /**
   * Asks the hub about the whole file before its first byte, where the manifest gives no size: a response
   * cut short with a matching short Content-Length then still falls short of the size HEAD gave. A HEAD
   * that fails for another reason than a missing or refused file leaves the download to go on without.
   */
  async function probe(writer: CacheWriter): Promise<void> {
    if (file.expected?.bytes !== undefined || writer.bytesStored > 0 || writer.record.totalBytes !== undefined) return;
    let res: Response;
    try {
      res = await hubFetch(file.url, { method: "HEAD", signal, cache: "no-store" }, { fetch: fetchFn, what });
    } catch (err) {
      if (signal?.aborted || err instanceof HubFileNotFoundError || err instanceof HubAccessDeniedError) throw err;
      return;
    }
    const facts = hubFacts(res);
    const length = facts.totalBytes === undefined ? bodyLength(res) : undefined;
    writer.describe(length !== undefined ? { ...facts, totalBytes: length, totalIsContentLength: true } : facts);
  }

  /** Asks for the bytes not yet stored: Range alone, which needs no CORS preflight. */
  async function request(writer: CacheWriter): Promise<{ res: Response; start: number }> {
    const start = writer.bytesStored;
    const headers: Record<string, string> = start > 0 ? { Range: `bytes=${start}-` } : {};
    try {
      // no-store: the weights live in our cache; a second copy in the HTTP cache would double the disk use
      return { res: await hubFetch(file.url, { headers, signal, cache: "no-store" }, { fetch: fetchFn, what, allow: [416] }), start };
    } catch (err) {
      if (err instanceof HubNetworkError)
        throw new Retryable(`no answer: the network failed, or the hub does not allow this site (CORS): ${err.data.cause}`);
      if (err instanceof HubStatusError && isTransient(Number(err.data.status))) throw new Retryable(`HTTP ${err.data.status}`);
      throw err;
    }
  }

  /** Checks status, headers and version; returns where the body starts in the file and the file's size, if known. */
  async function accept(writer: CacheWriter, res: Response, start: number): Promise<{ start: number; total?: number }> {
    if (!res.ok || !res.body) throw new Retryable(`HTTP ${res.status}`);
    if (res.status === 206 && parseContentRange(res.headers.get("content-range")).start !== start) {
      throw new Retryable(`the server sent ${res.headers.get("content-range")} for bytes=${start}-`);
    }
    if (/text\/html/i.test(res.headers.get("content-type") ?? "")) throw NotOnnxError.of(file.url, "an HTML page");
    const facts = hubFacts(res);
    const length = bodyLength(res);
    const bodyTotal = res.status === 200 && length !== undefined ? length : undefined;
    const changed = otherVersion(writer.record, facts, bodyTotal);
    if (changed) throw new FileChanged(changed);
    if (start > 0 && res.status === 200) {
      // the server ignored Range: take the whole body from byte 0
      await writer.reset();
      start = 0;
    }
    const announced = facts.totalBytes ?? bodyTotal;
    if (file.expected?.bytes !== undefined && announced !== undefined && announced !== file.expected.bytes) {
      // no point fetching gigabytes that cannot match
      await writer.reset();
      throw IntegrityError.of(file.path, `the hub announces ${announced} bytes, the manifest ${file.expected.bytes}`);
    }
    writer.describe(facts);
    return { start, total: file.expected?.bytes ?? writer.record.totalBytes ?? announced };
  }

  /** One request: streams the body into the writer; resolves with the finished record. */
  async function transfer(writer: CacheWriter): Promise<FileRecord> {
    await probe(writer);
    const sent = await request(writer);
    const { res } = sent;
    if (res.status === 416 && sent.start > 0) {
      // nothing left to send: either everything is stored, or the file shrank and must start over
      await res.body?.cancel().catch(() => undefined);
      const total = parseContentRange(res.headers.get("content-range")).total;
      if (total === sent.start && otherVersion(writer.record, { ...hubFacts(res), totalBytes: total }, undefined) === undefined) {
        return writer.finish(file.expected);
      }
      throw new FileChanged(`it is now ${total ?? "fewer than"} bytes`);
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
          throw new Retryable(`connection lost: ${errorMessage(err)}`);
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
    // a body that ends early, even with a matching short Content-Length, is resumed for the rest
    if (total !== undefined && loaded < total) throw new Retryable(`the connection closed after ${loaded} of ${total} bytes`);
    const record = await writer.finish(file.expected);
    report(record.bytes, record.bytes, true);
    return record;
  }

  let failures = 0;
  let restarts = 0;
  for (;;) {
    signal?.throwIfAborted();
    const writer = await cache.writer(file.modelId, file.path);
    const before = writer.bytesStored;
    try {
      if (globalThis.navigator?.onLine === false) throw new Retryable("offline");
      return await transfer(writer);
    } catch (err) {
      if (isQuotaError(err)) throw await quotaError(cache, file, options);
      if (err instanceof FileChanged) {
        // never splice two versions: drop what is stored and start this file again
        await writer.reset();
        restarts += 1;
        if (restarts > MAX_RESTARTS)
          throw DownloadFailedError.of(file.url, `the file kept changing on the hub while it downloaded (${err.message})`, 0);
        restarted = `Started ${file.path} again from the beginning: ${err.message} since the download began.`;
        report(0, undefined, true);
        continue;
      }
      if (!(err instanceof Retryable) && !signal?.aborted) throw err;
      // keep every byte that arrived before the pause or the failure
      await writer.flush().catch(() => undefined);
      if (signal?.aborted) throw signal.reason;
      // retrying while the browser knows it is offline only delays the message; coming online resumes instead
      if (globalThis.navigator?.onLine === false) throw DownloadOfflineError.of(what, writer.bytesStored);
      failures = writer.bytesStored > before ? 1 : failures + 1;
      if (failures >= maxAttempts) throw DownloadFailedError.of(file.url, `${failures} tries, last: ${errorMessage(err)}`, writer.bytesStored, what);
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
    .map((u) => ({ name: options.nameOf?.(u.modelId) ?? u.modelId, bytes: u.bytes }));
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
