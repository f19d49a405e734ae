import { readPngTextFor } from "./pngChunks";

/** The settings behind one image, as AUTOMATIC1111's "parameters" text records them. */
export interface GenerationInfo {
  prompt: string;
  negativePrompt: string;
  steps: number;
  sampler: string;
  scheduleType?: string;
  cfgScale: number;
  /** Seeds above 2^53 (some tools use 64-bit seeds) lose precision here. */
  seed: number;
  width: number;
  height: number;
  model?: string;
  denoisingStrength?: number;
  /** Every other setting, by its A1111 label ("Model hash", "Lora hashes", …), unquoted, in text order. */
  extra: Record<string, string>;
}

/** Text that is not A1111-style generation parameters, or an info that cannot be written as such. */
export class ParametersFormatError extends Error {
  override readonly name = "ParametersFormatError";
}

/** A readable PNG that carries no generation parameters (e.g. a photo or a screenshot). */
export class MissingParametersError extends Error {
  override readonly name = "MissingParametersError";
}

/** The PNG text keyword under which AUTOMATIC1111, Forge and Fooocus (A1111 scheme) store the settings. */
export const PARAMETERS_KEYWORD = "parameters";

// A1111's labels: a word character, then word characters, spaces, '-' or '/'. Python's Unicode \w is \p{L}\p{N}_.
const SETTING_KEY = /^[\p{L}\p{N}_][\p{L}\p{N}_ \-/]+$/u;
// A1111 takes the last line as the settings line only when it holds at least three settings.
const MIN_SETTINGS = 3;
const NEGATIVE_PREFIX = "Negative prompt:";
const KNOWN_KEYS = new Set(["Steps", "Sampler", "Schedule type", "CFG scale", "Seed", "Size", "Model", "Denoising strength"]);

/**
 * Writes `info` in A1111's layout: the prompt, a "Negative prompt:" line when there is one, then one settings
 * line. Values holding ',', ':' or a newline are JSON-quoted as A1111's quote() does.
 */
export function formatParameters(info: GenerationInfo): string {
  for (const key of Object.keys(info.extra)) {
    if (!SETTING_KEY.test(key)) {
      throw new ParametersFormatError(
        `'${key}' cannot be a settings label: start with a letter or digit and use only letters, digits, spaces, '_', '-' and '/'.`,
      );
    }
  }
  const settings: [string, string | number | undefined][] = [
    ["Steps", info.steps],
    ["Sampler", info.sampler],
    ["Schedule type", info.scheduleType],
    ["CFG scale", info.cfgScale],
    ["Seed", info.seed],
    ["Size", `${info.width}x${info.height}`],
    ["Model", info.model],
    ["Denoising strength", info.denoisingStrength],
    // The typed fields above are the source of truth; a copy in extra would be a second, conflicting value.
    ...Object.entries(info.extra).filter(([key]) => !KNOWN_KEYS.has(key)),
  ];
  const line = settings
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}: ${quote(String(value))}`)
    .join(", ");
  const negative = info.negativePrompt === "" ? "" : `\n${NEGATIVE_PREFIX} ${info.negativePrompt}`;
  return `${info.prompt}${negative}\n${line}`.trim();
}

/**
 * Reads A1111-style parameters as AUTOMATIC1111's parse_generation_parameters does: the last line holds the
 * settings, lines before it are the prompt until one starts with "Negative prompt:", the rest the negative.
 */
export function parseParameters(text: string): GenerationInfo {
  const lines = text.replace(/\r\n/g, "\n").trim().split("\n");
  const settingsLine = lines[lines.length - 1];
  const matches = findSettings(settingsLine);
  if (matches.length < MIN_SETTINGS) {
    throw new ParametersFormatError(
      text.trimStart().startsWith("{")
        ? "These generation parameters are JSON (such as Fooocus's own scheme), not AUTOMATIC1111's text format."
        : "These generation parameters have no settings line: the last line should look like 'Steps: 20, Sampler: Euler, CFG scale: 7, Seed: 42, Size: 512x512'.",
    );
  }

  const prompt: string[] = [];
  const negative: string[] = [];
  for (const raw of lines.slice(0, -1)) {
    const line = raw.trim();
    if (line.startsWith(NEGATIVE_PREFIX)) negative.push(line.slice(NEGATIVE_PREFIX.length).trim());
    else (negative.length > 0 ? negative : prompt).push(line);
  }

  // A repeated label keeps its last value, as in A1111's dict.
  const fields = new Map(matches.map(([key, value]) => [key, unquote(value)]));
  const steps = required(fields, "Steps", parseWholeNumber, "a whole number");
  const sampler = required(fields, "Sampler", asText, "a sampler name");
  const cfgScale = required(fields, "CFG scale", parseDecimal, "a number");
  const seed = required(fields, "Seed", parseInteger, "a whole number");
  const [width, height] = required(fields, "Size", parseSize, "a size such as 512x768");
  const info: GenerationInfo = {
    prompt: joinLines(prompt),
    negativePrompt: joinLines(negative),
    steps,
    sampler,
    cfgScale,
    seed,
    width,
    height,
    extra: {},
  };
  const scheduleType = take(fields, "Schedule type", asText, "a schedule name");
  if (scheduleType !== undefined) info.scheduleType = scheduleType;
  const model = take(fields, "Model", asText, "a model name");
  if (model !== undefined) info.model = model;
  const denoisingStrength = take(fields, "Denoising strength", parseDecimal, "a number");
  if (denoisingStrength !== undefined) info.denoisingStrength = denoisingStrength;
  info.extra = Object.fromEntries(fields);
  return info;
}

/**
 * Generation parameters are a few hundred bytes, a few kilobytes with long prompts; a larger "parameters" text
 * is not settings anyone can use, and reading it would hold up the page.
 */
export const MAX_PARAMETERS_BYTES = 64 * 1024;

/** The generation parameters stored in a PNG's "parameters" text chunk (tEXt, zTXt or iTXt). */
export function readGenerationInfo(png: Uint8Array): GenerationInfo {
  const text = readPngTextFor(png, PARAMETERS_KEYWORD, MAX_PARAMETERS_BYTES);
  if (text === undefined) throw new MissingParametersError("This PNG has no generation parameters.");
  return parseParameters(text);
}

/**
 * The label/value pairs of a settings line, exactly as A1111's re_param.findall finds them with
 * `\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)`. Scanned by hand because that regex backtracks
 * quadratically on long lines without commas (a 200 kB line takes about a minute in V8).
 */
function findSettings(line: string): [string, string][] {
  const chars = Array.from(line); // code points, as Python indexes strings
  const settings: [string, string][] = [];
  let p = 0;
  while (p < chars.length) {
    const runStart = skipSpaces(chars, p);
    let colon = runStart;
    while (colon < chars.length && isLabelChar(chars[colon])) colon++;
    if (chars[colon] !== ":") {
      // No start inside this run of label characters can reach a colon either.
      p = Math.max(p + 1, colon);
      continue;
    }
    // The leftmost match starts at the run's first word character; a later one would give a shorter label.
    let start = runStart;
    while (start < colon && !isWordChar(chars[start])) start++;
    if (colon - start < 2) {
      p = colon + 1;
      continue;
    }
    const valueStart = skipSpaces(chars, colon + 1);
    const valueEnd = quotedValueEnd(chars, valueStart) ?? nextComma(chars, valueStart);
    settings.push([chars.slice(start, colon).join(""), chars.slice(valueStart, valueEnd).join("")]);
    p = valueEnd + 1;
  }
  return settings;
}

/** End of a quoted value (backslash escapes) when a comma or the line end follows it; `""` reads the same either way. */
function quotedValueEnd(chars: readonly string[], start: number): number | undefined {
  if (chars[start] !== '"') return undefined;
  let i = start + 1;
  while (i < chars.length && chars[i] !== '"') i += chars[i] === "\\" ? 2 : 1;
  const closed = i < chars.length && (i + 1 === chars.length || chars[i + 1] === ",");
  return closed ? i + 1 : undefined;
}

function nextComma(chars: readonly string[], start: number): number {
  const comma = chars.indexOf(",", start);
  return comma < 0 ? chars.length : comma;
}

function skipSpaces(chars: readonly string[], start: number): number {
  let i = start;
  while (i < chars.length && /\s/u.test(chars[i])) i++;
  return i;
}

function isWordChar(char: string): boolean {
  return /[\p{L}\p{N}_]/u.test(char);
}

function isLabelChar(char: string): boolean {
  return char === " " || char === "-" || char === "/" || isWordChar(char);
}

function quote(value: string): string {
  // A1111 quotes on ',', ':' and newlines; a value that starts with '"' is quoted too, or reading it back
  // would strip its quotes.
  return /[,:\n]/.test(value) || value.startsWith('"') ? JSON.stringify(value) : value;
}

function unquote(value: string): string {
  if (value.length < 2 || !value.startsWith('"') || !value.endsWith('"')) return value;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === "string" ? parsed : value;
  } catch {
    // Like A1111, a value that only looks quoted is kept as written.
    return value;
  }
}

/** A1111 joins prompt lines with newlines but never starts a prompt with one. */
function joinLines(lines: readonly string[]): string {
  return lines.join("\n").replace(/^\n+/, "");
}

function take<T>(fields: Map<string, string>, key: string, parse: (value: string) => T | undefined, expected: string): T | undefined {
  const raw = fields.get(key);
  if (raw === undefined) return undefined;
  fields.delete(key);
  // Unquoted values run to the comma, so "Steps: 20 ," leaves a space that int() in A1111 would ignore too.
  const value = parse(raw.trim());
  if (value === undefined) {
    throw new ParametersFormatError(`The '${key}' setting should be ${expected}, but it is '${raw}'.`);
  }
  return value;
}

function required<T>(fields: Map<string, string>, key: string, parse: (value: string) => T | undefined, expected: string): T {
  const value = take(fields, key, parse, expected);
  if (value === undefined) {
    throw new ParametersFormatError(`These generation parameters have no '${key}' setting.`);
  }
  return value;
}

function asText(value: string): string {
  return value;
}

function parseWholeNumber(value: string): number | undefined {
  return /^\d+$/.test(value) ? Number(value) : undefined;
}

function parseInteger(value: string): number | undefined {
  return /^-?\d+$/.test(value) ? Number(value) : undefined;
}

function parseDecimal(value: string): number | undefined {
  return /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(value) ? Number(value) : undefined;
}

function parseSize(value: string): [number, number] | undefined {
  const match = /^(\d+)x(\d+)$/.exec(value);
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}
