/**
 * Addresses on a Hugging Face-style hub: which hub (the setting, `?hub=` for mirrors and tests) and where a
 * file of a repository is downloaded from. Pure, so the UI, the worker and tests share them.
 */

export const DEFAULT_HUB_BASE = "https://huggingface.co";

/** A hub address from user input: absolute http(s), without a trailing slash, query or fragment. */
export function normalizeHubBase(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
  return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
}

/**
 * The hub to download from: `?hub=<url>` in the page's query wins (for mirrors and tests), then the
 * saved setting, then huggingface.co. Invalid values are skipped.
 */
export function hubBaseFromLocation(search: string, saved?: string | null): string {
  const fromQuery = new URLSearchParams(search).get("hub");
  return normalizeHubBase(fromQuery) ?? normalizeHubBase(saved) ?? DEFAULT_HUB_BASE;
}

/** `{hubBase}/{repo}/resolve/{revision}/{path}`, the Hugging Face download address of a file. */
export function hubFileUrl(hubBase: string, repo: string, revision: string, path: string): string {
  const encoded = path.split("/").map(encodeURIComponent).join("/");
  return `${hubBase.replace(/\/+$/, "")}/${repo}/resolve/${encodeURIComponent(revision)}/${encoded}`;
}
