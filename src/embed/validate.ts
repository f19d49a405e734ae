/**
 * Checks what a host page posts to the widget. Anything can arrive through postMessage (strings, arrays,
 * Blobs, megabytes of text), so every message is checked before the widget acts on it, and what is wrong
 * becomes an error event, never an exception. Error texts quote the message only in short, plain excerpts.
 */
import { PROMPT_SYNTAXES, type GenerateParams } from "../params";
import { EMBED_PROTOCOL, EMBED_VERSION, PARAM_ALIASES, type EmbedErrorInfo, type EmbedParams, type HostMessage } from "./protocol";

export const MAX_ID_LENGTH = 128;
/** The engine's own limit for prompts; longer text is refused before it goes anywhere. */
const MAX_TEXT = 10_000;
const MAX_SAMPLER_NAME = 100;
/** An unknown setting's name comes back as `field`, clipped so a host cannot make the answer huge. */
const MAX_KEY_IN_ERROR = 40;

export type ParsedMessage = { ok: true; message: HostMessage } | { ok: false; id: string | null; error: EmbedErrorInfo };
type ParsedParams = { ok: true; value: EmbedParams } | { ok: false; message: string; field?: string };

type TextKey = "prompt" | "negativePrompt" | "sampler";
type NumberKey = "steps" | "guidance" | "seed" | "width" | "height";
const KNOWN_KEYS = "prompt, negativePrompt (or negative), steps, guidance (or cfg), seed, width, height, sampler, promptSyntax";

const isAlias = (key: string): key is keyof typeof PARAM_ALIASES => Object.hasOwn(PARAM_ALIASES, key);
const isTextKey = (key: string): key is TextKey => key === "prompt" || key === "negativePrompt" || key === "sampler";
const isNumberKey = (key: string): key is NumberKey => key === "steps" || key === "guidance" || key === "seed" || key === "width" || key === "height";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A short, safe description of any value for an error message: its type, and for text a clipped excerpt. */
export function describe(value: unknown): string {
  if (typeof value === "string")
    return value.length > 40 ? `${JSON.stringify(value.slice(0, 40))}… (${value.length} characters)` : JSON.stringify(value);
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return `a ${typeof value}`;
}

const fail = (id: string | null, name: string, message: string, field?: string): ParsedMessage => ({
  ok: false,
  id,
  error: field === undefined ? { name, message } : { name, message, field },
});

export function parseHostMessage(data: unknown): ParsedMessage {
  if (!isRecord(data)) {
    return fail(
      null,
      "MalformedMessageError",
      `A request must be an object {protocol: "${EMBED_PROTOCOL}", v: ${EMBED_VERSION}, type, id}; got ${describe(data)}.`,
    );
  }
  const rawId = data.id;
  const id = typeof rawId === "string" && rawId.length >= 1 && rawId.length <= MAX_ID_LENGTH ? rawId : null;
  if (data.protocol !== EMBED_PROTOCOL) {
    return fail(id, "MalformedMessageError", `A request needs protocol: "${EMBED_PROTOCOL}"; got ${describe(data.protocol)}.`);
  }
  if (data.v !== EMBED_VERSION) {
    return fail(
      id,
      "UnsupportedVersionError",
      `This widget speaks version ${EMBED_VERSION} of the protocol; the request says v: ${describe(data.v)}.`,
    );
  }
  if (id === null) {
    return fail(null, "MalformedMessageError", `Every request needs an id: a string of 1 to ${MAX_ID_LENGTH} characters; got ${describe(rawId)}.`);
  }
  switch (data.type) {
    case "hello":
    case "cancel":
      return { ok: true, message: { protocol: EMBED_PROTOCOL, v: EMBED_VERSION, type: data.type, id } };
    case "generate": {
      const params = parseParams(data.params);
      if (!params.ok) return fail(id, "InvalidParamsError", params.message, params.field);
      if (data.previews !== undefined && typeof data.previews !== "boolean") {
        return fail(id, "MalformedMessageError", `previews must be true or false; got ${describe(data.previews)}.`);
      }
      const message: HostMessage = { protocol: EMBED_PROTOCOL, v: EMBED_VERSION, type: "generate", id, params: params.value };
      return { ok: true, message: data.previews ? { ...message, previews: true } : message };
    }
    default:
      return fail(id, "MalformedMessageError", `Unknown request type ${describe(data.type)}: use "hello", "generate" or "cancel".`);
  }
}

/** The settings' shape and types; their ranges depend on the model, so the widget checks those when it queues. */
function parseParams(raw: unknown): ParsedParams {
  if (raw === undefined) return { ok: true, value: {} };
  if (!isRecord(raw)) return { ok: false, message: `params must be an object of settings; got ${describe(raw)}.` };
  const value: EmbedParams = {};
  const seen = new Map<keyof GenerateParams, string>();
  for (const [given, v] of Object.entries(raw)) {
    const key: string = isAlias(given) ? PARAM_ALIASES[given] : given;
    const earlier = isTextKey(key) || isNumberKey(key) ? seen.get(key) : undefined;
    if (earlier !== undefined) return { ok: false, field: given, message: `${earlier} and ${given} are the same setting; send one of them.` };
    if (isTextKey(key) || isNumberKey(key)) seen.set(key, given);
    if (isTextKey(key)) {
      const max = key === "sampler" ? MAX_SAMPLER_NAME : MAX_TEXT;
      if (typeof v !== "string" || v.length > max)
        return { ok: false, field: given, message: `${given} must be text of at most ${max} characters; got ${describe(v)}.` };
      value[key] = v;
    } else if (isNumberKey(key)) {
      if (typeof v !== "number" || !Number.isFinite(v)) return { ok: false, field: given, message: `${given} must be a number; got ${describe(v)}.` };
      value[key] = v;
    } else if (key === "promptSyntax") {
      const syntax = PROMPT_SYNTAXES.find((s) => s === v);
      if (!syntax)
        return {
          ok: false,
          field: key,
          message: `promptSyntax must be one of ${PROMPT_SYNTAXES.map((s) => `"${s}"`).join(", ")}; got ${describe(v)}.`,
        };
      value.promptSyntax = syntax;
    } else {
      return { ok: false, field: given.slice(0, MAX_KEY_IN_ERROR), message: `Unknown setting ${describe(given)}; the settings are ${KNOWN_KEYS}.` };
    }
  }
  return { ok: true, value };
}
