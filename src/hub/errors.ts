/**
 * What a hub request can fail with, as named errors with fix-it text. They extend AppError and keep its
 * (message, data) constructor, so they cross the worker boundary by name (src/errorRegistry.ts).
 */
import { AppError } from "../errors";

/** "SD-Turbo: unet/model.onnx — " before a message, so it says which model and which part failed. */
export const about = (what?: string): string => (what ? `${what} — ` : "");

/** The hub answered 404: wrong repo, revision or path. */
export class HubFileNotFoundError extends AppError {
  override name = "HubFileNotFoundError";
  static of(url: string, what?: string): HubFileNotFoundError {
    return new HubFileNotFoundError(
      `${about(what)}${url} does not exist on the model hub (HTTP 404). Check the hub address and the model's repository name.`,
      { url, status: 404 },
    );
  }
}

/** The hub answered 401/403: a gated or private repository, or a hub that blocks this site. */
export class HubAccessDeniedError extends AppError {
  override name = "HubAccessDeniedError";
  static of(url: string, status: number, what?: string): HubAccessDeniedError {
    return new HubAccessDeniedError(
      `${about(what)}the model hub refused ${url} (HTTP ${status}): the repository may be gated or private. ` +
        `Pick another model or another hub address.`,
      { url, status },
    );
  }
}

/** Any other status the caller did not ask for: 5xx and 429 are worth another try later, other 4xx are not. */
export class HubStatusError extends AppError {
  override name = "HubStatusError";
  static of(url: string, status: number, what?: string): HubStatusError {
    const next = isTransient(status) ? "The hub may be busy or down: try again later." : "Check the hub address.";
    return new HubStatusError(`${about(what)}the model hub answered HTTP ${status} for ${url}. ${next}`, { url, status });
  }
}

/** Statuses after which the same request may well succeed: the server is busy, down or asks to slow down. */
export const isTransient = (status: number): boolean => status >= 500 || status === 429 || status === 408;

/**
 * No answer at all: fetch rejected (offline, DNS, a dropped connection, or a hub that does not allow this site
 * by CORS; the browser gives the page no way to tell these apart).
 */
export class HubNetworkError extends AppError {
  override name = "HubNetworkError";
  static of(url: string, cause: string, what?: string): HubNetworkError {
    return new HubNetworkError(
      `${about(what)}no answer from ${url} (${cause}): the network failed, or the hub does not allow this site (CORS). ` +
        `Check the connection and the hub address.`,
      { url, cause },
    );
  }
}
