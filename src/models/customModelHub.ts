/**
 * The HubReader that resolving a custom model uses in the browser: GET for JSON configs, HEAD for whether
 * a file exists and its size — every hub with Hugging Face's `resolve` layout answers both, where a file
 * listing API (HF's /api/models/…/tree) is specific to huggingface.co.
 */
import { HubNetworkError, HubStatusError } from "../hub/errors";
import { hubFetch } from "../hub/hubFetch";
import type { HubFileOverride } from "../hub/hubModel";
import { hubFileUrl } from "../hub/urls";
import type { HubReader } from "./customModel";
import { HubUnreachableError, ModelConfigError, ModelRepoNotFoundError } from "./errors";

/**
 * huggingface.co says what is missing in X-Error-Code; it answers 401, not 404, for a repo that does not
 * exist (it will not tell that apart from a private one). Undefined: the file does not exist.
 */
function refusal(hubBase: string, file: HubFileOverride, res: Response): Error | undefined {
  const ref = { hubBase, repo: file.repo, revision: file.revision };
  const code = res.headers.get("x-error-code");
  if (code === "RepoNotFound") return ModelRepoNotFoundError.of(ref, "the hub has no such repository");
  if (code === "RevisionNotFound") return ModelRepoNotFoundError.of(ref, `the repository has no revision "${file.revision}"`);
  if (res.status === 401) return ModelRepoNotFoundError.of(ref, "the hub has no such public repository (HTTP 401: it does not exist or is private)");
  return undefined;
}

export function hubReader(hubBase: string, fetchFn?: typeof fetch): HubReader {
  /** The response when the file exists, undefined for a 404; throws a named error for everything else. */
  async function request(file: HubFileOverride, method: "GET" | "HEAD"): Promise<Response | undefined> {
    const url = hubFileUrl(hubBase, file.repo, file.revision, file.path);
    let res: Response;
    try {
      // configs change with the branch they are on; the HTTP cache must not answer for an old revision
      res = await hubFetch(url, { method, cache: "no-store" }, { fetch: fetchFn, allow: [401, 404] });
    } catch (err) {
      // "add the model again" is the fix here, not "download again": say so in this lookup's own words
      if (err instanceof HubNetworkError) throw HubUnreachableError.of(hubBase, `${err.data.cause}; a hub must also allow cross-origin requests`);
      if (err instanceof HubStatusError) throw HubUnreachableError.of(hubBase, `HTTP ${err.data.status} for ${file.repo}/${file.path}`);
      throw err;
    }
    if (res.ok) return res;
    await res.body?.cancel().catch(() => undefined);
    const err = refusal(hubBase, file, res);
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
