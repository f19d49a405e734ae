import { Unzlib } from "fflate";

/** A byte array that is not a well-formed PNG file; the message says what is wrong in words a user can act on. */
export class PngFormatError extends Error {
  override readonly name = "PngFormatError";
}

export interface PngChunk {
  /** Four ASCII letters, e.g. "IHDR", "tEXt". */
  type: string;
  data: Uint8Array;
}

export type PngTextKind = "tEXt" | "zTXt" | "iTXt";

export interface PngTextEntry {
  kind: PngTextKind;
  keyword: string;
  text: string;
}

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
// PNG spec §5.3: lengths above 2^31 − 1 are invalid, whatever the file size.
const MAX_CHUNK_LENGTH = 0x7fffffff;
// A few bytes of deflate can expand to gigabytes; text beyond this size is refused instead of exhausting memory.
const MAX_TEXT_BYTES = 32 * 1024 * 1024;
// Deflate expands at most ~1032×: input is fed in steps of about cap/1024 bytes, so one step overshoots the cap
// by about the cap at most, and the time spent inflating stays proportional to the cap, not to the bomb.
const MAX_INFLATE_STEP = 16 * 1024;
// keyword (≤ 79), NUL, flags, language tag and translated keyword of an iTXt chunk: generous room before the text
const MAX_TEXT_HEADER = 1024;
const MIN_INFLATE_STEP = 64;

const CRC_TABLE = makeCrcTable();
const utf8Decoder = new TextDecoder();
const utf8Encoder = new TextEncoder();

/**
 * Splits a PNG file into its chunks, from IHDR up to and including IEND, checking the signature, every
 * length and the CRC of every chunk `verify` names (all by default). Chunk data are views into `bytes`,
 * not copies; anything after IEND is ignored.
 */
export function splitPngChunks(bytes: Uint8Array, verify: (type: string, length: number) => boolean = () => true): PngChunk[] {
  if (!hasSignature(bytes)) throw new PngFormatError("This file is not a PNG image.");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: PngChunk[] = [];
  let offset = SIGNATURE.length;
  for (;;) {
    if (offset + 8 > bytes.length) throw truncatedBetweenChunks(chunks);
    const length = view.getUint32(offset);
    const type = readChunkType(bytes, offset + 4);
    if (type === null) throw damaged(`byte ${offset + 4} should start a chunk name but does not`);
    if (length > MAX_CHUNK_LENGTH) {
      throw damaged(`the '${type}' chunk claims an impossible size of ${length} bytes`);
    }
    const dataStart = offset + 8;
    const dataEnd = dataStart + length;
    if (dataEnd + 4 > bytes.length) {
      throw new PngFormatError(`The PNG file is truncated (it ends inside the '${type}' chunk).`);
    }
    if (verify(type, length) && crc32(bytes.subarray(offset + 4, dataEnd)) !== view.getUint32(dataEnd)) {
      throw damaged(`the '${type}' chunk fails its checksum`);
    }
    if (chunks.length === 0 && type !== "IHDR") throw damaged("it does not begin with the 'IHDR' header chunk");
    chunks.push({ type, data: bytes.subarray(dataStart, dataEnd) });
    if (type === "IEND") return chunks;
    offset = dataEnd + 4;
  }
}

/** Writes chunks back into a PNG file: signature, then length, type, data and CRC for each chunk. */
export function joinPngChunks(chunks: readonly PngChunk[]): Uint8Array {
  const size = chunks.reduce((sum, chunk) => sum + 12 + chunk.data.length, SIGNATURE.length);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(SIGNATURE);
  let offset = SIGNATURE.length;
  for (const { type, data } of chunks) {
    if (!/^[A-Za-z]{4}$/.test(type)) throw new RangeError(`A PNG chunk type must be four ASCII letters, got '${type}'.`);
    view.setUint32(offset, data.length);
    for (let i = 0; i < 4; i++) out[offset + 4 + i] = type.charCodeAt(i);
    out.set(data, offset + 8);
    const dataEnd = offset + 8 + data.length;
    view.setUint32(dataEnd, crc32(out.subarray(offset + 4, dataEnd)));
    offset = dataEnd + 4;
  }
  return out;
}

/**
 * Returns a copy of the PNG with one text chunk per entry placed just before IEND (see `textChunk` for the
 * chunk kind). Existing text chunks with the same keywords are dropped so readers never see two values.
 */
export function insertTextChunks(png: Uint8Array, text: Readonly<Record<string, string>>): Uint8Array {
  const added = Object.entries(text).map(([keyword, value]) => textChunk(keyword, value));
  const replaced = new Set(Object.keys(text));
  const kept = splitPngChunks(png).filter((chunk) => !(isTextKind(chunk.type) && replaced.has(keywordOf(chunk.data))));
  const iend = kept.length - 1;
  return joinPngChunks([...kept.slice(0, iend), ...added, kept[iend]]);
}

/**
 * A text chunk for one entry: tEXt when the text is Latin-1 (what most readers expect, and what Pillow and
 * so AUTOMATIC1111 write), otherwise an uncompressed iTXt holding UTF-8.
 */
export function textChunk(keyword: string, text: string): PngChunk {
  checkKeyword(keyword);
  if (text.includes("\0")) throw new RangeError(`PNG text cannot contain NUL characters (in '${keyword}').`);
  const key = latin1Bytes(keyword);
  // eslint-disable-next-line no-control-regex -- Latin-1 without NUL is what tEXt can hold
  if (/^[\u0001-\u00ff]*$/.test(text)) return { type: "tEXt", data: concat([key, [0], latin1Bytes(text)]) };
  // After the keyword's NUL: compression flag 0, method 0, empty language tag + NUL, empty translated keyword + NUL.
  return { type: "iTXt", data: concat([key, [0, 0, 0, 0, 0], utf8Encoder.encode(text)]) };
}

/** Every tEXt, zTXt and iTXt entry in file order, decompressed and decoded. */
export function readPngTextEntries(png: Uint8Array): PngTextEntry[] {
  const entries: PngTextEntry[] = [];
  for (const chunk of splitPngChunks(png)) {
    if (isTextKind(chunk.type)) entries.push(decodeTextChunk(chunk.type, chunk.data));
  }
  return entries;
}

/**
 * The text stored under one keyword (its last value, as Pillow reads it), or undefined. Only that keyword's
 * chunks are decoded, and text over `maxBytes` is refused before it is decompressed or decoded in full.
 */
export function readPngTextFor(png: Uint8Array, keyword: string, maxBytes: number): string | undefined {
  let text: string | undefined;
  // only text that can be read is checksummed: megabytes of pixels, or of text refused for its size, cost nothing
  const readable = (type: string, length: number) => isTextKind(type) && length <= maxBytes + MAX_TEXT_HEADER;
  for (const chunk of splitPngChunks(png, readable)) {
    if (isTextKind(chunk.type) && keywordOf(chunk.data) === keyword) text = decodeTextChunk(chunk.type, chunk.data, maxBytes).text;
  }
  return text;
}

/** The PNG's text as keyword → text; a keyword that appears twice keeps its last value, as Pillow does. */
export function readPngText(png: Uint8Array): Record<string, string> {
  return Object.fromEntries(readPngTextEntries(png).map((entry) => [entry.keyword, entry.text]));
}

function decodeTextChunk(kind: PngTextKind, data: Uint8Array, maxBytes = MAX_TEXT_BYTES): PngTextEntry {
  const nul = data.indexOf(0);
  if (nul < 1) throw damaged(`a '${kind}' text chunk has no keyword`);
  const keyword = latin1(data.subarray(0, nul));
  const rest = data.subarray(nul + 1);
  const plain = (body: Uint8Array) => {
    if (body.length > maxBytes) throw tooLarge(keyword, `${formatBytes(body.length)}, more than ${formatBytes(maxBytes)}`);
    return body;
  };
  switch (kind) {
    case "tEXt":
      return { kind, keyword, text: latin1(plain(rest)) };
    case "zTXt":
      if (rest[0] !== 0) throw damaged(`the '${keyword}' text uses an unknown compression method`);
      return { kind, keyword, text: latin1(inflateText(rest.subarray(1), keyword, maxBytes)) };
    case "iTXt": {
      const compressed = rest[0] === 1;
      if (rest.length < 2 || rest[0] > 1 || (compressed && rest[1] !== 0)) {
        throw damaged(`the '${keyword}' text uses an unknown compression method`);
      }
      const languageEnd = rest.indexOf(0, 2);
      const translatedEnd = languageEnd < 0 ? -1 : rest.indexOf(0, languageEnd + 1);
      if (translatedEnd < 0) throw damaged(`the '${keyword}' text chunk is cut short`);
      const body = rest.subarray(translatedEnd + 1);
      return { kind, keyword, text: utf8Decoder.decode(compressed ? inflateText(body, keyword, maxBytes) : plain(body)) };
    }
  }
}

function inflateText(compressed: Uint8Array, keyword: string, maxBytes: number): Uint8Array {
  const step = Math.min(MAX_INFLATE_STEP, Math.max(MIN_INFLATE_STEP, Math.floor(maxBytes / 1024)));
  const parts: Uint8Array[] = [];
  let size = 0;
  const inflater = new Unzlib((part) => {
    size += part.length;
    parts.push(part);
  });
  try {
    let start = 0;
    do {
      const end = Math.min(start + step, compressed.length);
      inflater.push(compressed.subarray(start, end), end === compressed.length);
      if (size > maxBytes) throw tooLarge(keyword, `over ${formatBytes(maxBytes)} once decompressed`);
      start = end;
    } while (start < compressed.length);
  } catch (error) {
    if (error instanceof PngFormatError) throw error;
    throw new PngFormatError(`The PNG file is damaged (its '${keyword}' text cannot be decompressed).`, {
      cause: error,
    });
  }
  return concat(parts);
}

function checkKeyword(keyword: string): void {
  // PNG spec §11.3.3.2: 1–79 printable Latin-1 characters, no leading, trailing or doubled spaces.
  if (!/^[\x20-\x7e\xa1-\xff]{1,79}$/.test(keyword) || /^ | $| {2}/.test(keyword)) {
    throw new RangeError(
      `'${keyword}' cannot be a PNG text keyword: use 1–79 printable Latin-1 characters without leading, trailing or doubled spaces.`,
    );
  }
}

function tooLarge(keyword: string, size: string): PngFormatError {
  return new PngFormatError(`The PNG's '${keyword}' text is too large to read (${size}).`);
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round(n / (1024 * 1024))} MB` : `${Math.round(n / 1024)} KB`;
}

function damaged(what: string): PngFormatError {
  return new PngFormatError(`The PNG file is damaged (${what}).`);
}

function truncatedBetweenChunks(chunks: readonly PngChunk[]): PngFormatError {
  const last = chunks.at(-1);
  const where = last ? `after the '${last.type}' chunk` : "right after its signature";
  return new PngFormatError(`The PNG file is truncated (it ends ${where}, before the closing 'IEND' chunk).`);
}

function hasSignature(bytes: Uint8Array): boolean {
  return bytes.length >= SIGNATURE.length && SIGNATURE.every((byte, i) => bytes[i] === byte);
}

function readChunkType(bytes: Uint8Array, offset: number): string | null {
  const type = latin1(bytes.subarray(offset, offset + 4));
  return /^[A-Za-z]{4}$/.test(type) ? type : null;
}

function isTextKind(type: string): type is PngTextKind {
  return type === "tEXt" || type === "zTXt" || type === "iTXt";
}

/** The keyword that opens a text chunk: everything up to the first NUL. */
function keywordOf(data: Uint8Array): string {
  const nul = data.indexOf(0);
  return latin1(nul < 0 ? data : data.subarray(0, nul));
}

// Not TextDecoder("latin1"): the Encoding Standard maps that label to windows-1252, which changes bytes 0x80–0x9F.
function latin1(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return text;
}

function latin1Bytes(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}

function concat(parts: readonly ArrayLike<number>[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function makeCrcTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
}

/** CRC-32 as PNG spec Annex D defines it (reflected polynomial 0xEDB88320), over chunk type and data. */
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
