/**
 * The embed URL's options (`embed.html?origins=…&ui=…&steps=…`) and the iframe snippet the app shows
 * site owners. Pure functions: the widget parses, the app's snippet generator writes, tests check both.
 */
import type { GenerateParams } from "../params";
import { formatOrigins, parseOrigins, type Allowlist } from "./origins";
import { PARAM_ALIASES, type EmbedParams } from "./protocol";

/** "full": prompt box and result; "result": the result only, for pages that drive the widget from script. */
export type EmbedUi = "full" | "result";

export interface EmbedOptions {
  allow: Allowlist;
  ui: EmbedUi;
  /** Defaults for the widget's prompt box and for requests that leave settings out. */
  defaults: EmbedParams;
}

// URL parameter for each setting: the short names the snippet writes (`negative`, `cfg`; see PARAM_ALIASES),
// and the names `generate` params use, so one set of names works in both places.
const TEXT_PARAMS = { prompt: "prompt", negative: PARAM_ALIASES.negative, sampler: "sampler" } as const;
const NUMBER_PARAMS = { steps: "steps", cfg: PARAM_ALIASES.cfg, seed: "seed", width: "width", height: "height" } as const;
const LONG_TEXT_PARAMS = { negativePrompt: "negativePrompt" } as const;
const LONG_NUMBER_PARAMS = { guidance: "guidance" } as const;

export function parseEmbedOptions(search: string): { options: EmbedOptions; problems: string[] } {
  const query = new URLSearchParams(search);
  const { allow, problems } = parseOrigins(query.get("origins"));
  const uiParam = query.get("ui");
  if (uiParam !== null && uiParam !== "full" && uiParam !== "result")
    problems.push(`ui must be "full" or "result"; "${uiParam.slice(0, 40)}" was ignored.`);
  const defaults: EmbedParams = {};
  for (const [name, key] of [...Object.entries(TEXT_PARAMS), ...Object.entries(LONG_TEXT_PARAMS)]) {
    const value = query.get(name);
    if (value !== null) defaults[key] = value;
  }
  for (const [name, key] of [...Object.entries(NUMBER_PARAMS), ...Object.entries(LONG_NUMBER_PARAMS)]) {
    const value = query.get(name);
    if (value === null) continue;
    const n = Number(value);
    if (value.trim() !== "" && Number.isFinite(n)) defaults[key] = n;
    else problems.push(`${name} must be a number; "${value.slice(0, 40)}" was ignored.`);
  }
  return { options: { allow, ui: uiParam === "result" ? "result" : "full", defaults }, problems };
}

/** The widget's URL for these options; settings equal to `modelDefaults` are left out to keep it short. */
export function embedUrl(widgetPage: string, options: EmbedOptions, modelDefaults?: Partial<GenerateParams>): string {
  const url = new URL(widgetPage);
  const origins = formatOrigins(options.allow);
  if (origins !== "") url.searchParams.set("origins", origins);
  if (options.ui !== "full") url.searchParams.set("ui", options.ui);
  for (const [name, key] of [...Object.entries(TEXT_PARAMS), ...Object.entries(NUMBER_PARAMS)]) {
    const value = options.defaults[key];
    if (value !== undefined && value !== "" && value !== modelDefaults?.[key]) url.searchParams.set(name, String(value));
  }
  return url.href;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * The iframe to paste. `allow="cross-origin-isolated"` lets the widget use several WASM threads when the
 * host page is itself cross-origin isolated; without it the widget still works, on one thread.
 */
export function iframeSnippet(src: string, size: { width: number; height: number }): string {
  return `<iframe src="${escapeAttribute(src)}" width="${size.width}" height="${size.height}" allow="cross-origin-isolated" style="border:0" title="Image generator"></iframe>`;
}
