/**
 * The HubReader that resolving a custom model uses in the browser: GET for JSON configs, HEAD for whether
 * a file exists and its size — every hub with Hugging Face's `resolve` layout answers both, where a file
 * listing API (HF's /api/models/…/tree) is specific to huggingface.co.
 */
import { HubAccessDeniedError } from "../storage/errors";
import { hubFileUrl, type HubFileOverride } from "./catalog";
import { HubUnreachableError, ModelConfigError, ModelRepoNotFoundError, type HubReader } from "./customModel";

/**
 * huggingface.co says what is missing in X-Error-Code; it answers 401, not 404, for a repo that does not
 * exist (it will not tell that apart from a private one).
 */
function refusal(hubBase: string, file: HubFileOverride, url: string, res: Response): Error | undefined {
  const ref = { hubBase, repo: file.repo, revision: file.revision };
  const code = res.headers.get("x-error-code");
  if (code === "RepoNotFound") return ModelRepoNotFoundError.of(ref, "the hub has no such repository");
  if (code === "RevisionNotFound") return ModelRepoNotFoundError.of(ref, `the repository has no revision "${file.revision}"`);
  if (res.status === 404) return undefined;
  if (res.status === 401) return ModelRepoNotFoundError.of(ref, "the hub has no such public repository (HTTP 401: it does not exist or is private)");
  if (res.status === 403) return HubAccessDeniedError.of(url, res.status);
  return HubUnreachableError.of(hubBase, `HTTP ${res.status} for ${file.repo}/${file.path}`);
}

export function hubReader(hubBase: string, fetchFn: typeof fetch = globalThis.fetch.bind(globalThis)): HubReader {
  /** The response when the file exists, undefined for a 404; throws a named error for everything else. */
  async function request(file: HubFileOverride, method: "GET" | "HEAD"): Promise<Response | undefined> {
    const url = hubFileUrl(hubBase, file.repo, file.revision, file.path);
    let res: Response;
    try {
      // configs change with the branch they are on; the HTTP cache must not answer for an old revision
      res = await fetchFn(url, { method, cache: "no-store" });
    } catch (err) {
      throw HubUnreachableError.of(hubBase, `${(err as Error).message}; a hub must also allow cross-origin requests`);
    }
    if (res.ok) return res;
    await res.body?.cancel().catch(() => undefined);
    const err = refusal(hubBase, file, url, res);
    if (err) throw err;
    return undefined;
  }

  return {
    async json(file) {
      const res = await request(file, "GET");
      if (!res) return undefined;
      try {
        return (await res.json()) as unknown;
      } catch {
        throw ModelConfigError.of({ hubBase, repo: file.repo, revision: file.revision }, `${file.path} is not valid JSON`);
      }
    },
    async stat(file) {
      const res = await request(file, "HEAD");
      if (!res) return undefined;
      const length = res.headers.get("content-length");
      return length !== null && /^\d+$/.test(length) ? { bytes: Number(length) } : {};
    },
  };
}
