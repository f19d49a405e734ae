/**
 * The one way this app asks a hub for something: fetch, with every failure turned into a named error the UI
 * can explain — 404, 401/403, any other status, and no answer at all (offline or CORS, which fetch reports as a
 * bare TypeError). Callers name the statuses they handle themselves (a 404 that means "no such optional file",
 * a 416 that means "nothing left to resume") in `allow`.
 */
import { HubAccessDeniedError, HubFileNotFoundError, HubNetworkError, HubStatusError } from "./errors";
import { errorMessage } from "../errors";

export interface HubFetchOptions {
  fetch?: typeof fetch;
  /** Names the model and file in error messages, e.g. "SD-Turbo: unet/model.onnx". */
  what?: string;
  /** Statuses answered as a Response instead of an error. */
  allow?: readonly number[];
}

/** A response with an ok status (or one in `allow`); throws HubFileNotFoundError, HubAccessDeniedError, HubStatusError or HubNetworkError. */
export async function hubFetch(url: string, init: RequestInit = {}, options: HubFetchOptions = {}): Promise<Response> {
  const { fetch: fetchFn = globalThis.fetch.bind(globalThis), what, allow = [] } = options;
  let res: Response;
  try {
    res = await fetchFn(url, init);
  } catch (err) {
    // a pause or cancel is the caller's own doing, not the hub's
    if (init.signal?.aborted) throw err;
    throw HubNetworkError.of(url, errorMessage(err), what);
  }
  if (res.ok || allow.includes(res.status)) return res;
  // release the connection instead of leaving an unread body to the garbage collector
  await res.body?.cancel().catch(() => undefined);
  if (res.status === 404) throw HubFileNotFoundError.of(url, what);
  if (res.status === 401 || res.status === 403) throw HubAccessDeniedError.of(url, res.status, what);
  throw HubStatusError.of(url, res.status, what);
}
