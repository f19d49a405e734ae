import { describe, expect, it } from "vitest";
import { HubAccessDeniedError, HubFileNotFoundError, HubNetworkError, HubStatusError, isTransient } from "./errors";
import { hubFetch } from "./hubFetch";

const FILE_URL = "https://hub.example/a/b/resolve/main/unet/model.onnx";
const answer = (status: number) => (async () => new Response(status === 416 ? null : "body", { status })) as unknown as typeof fetch;
const failed = (async () => {
  throw new TypeError("Failed to fetch");
}) as unknown as typeof fetch;

describe("hubFetch", () => {
  it("answers an ok response, or one whose status the caller handles", async () => {
    expect((await hubFetch(FILE_URL, {}, { fetch: answer(200) })).status).toBe(200);
    expect((await hubFetch(FILE_URL, {}, { fetch: answer(206) })).status).toBe(206);
    expect((await hubFetch(FILE_URL, {}, { fetch: answer(416), allow: [416] })).status).toBe(416);
    expect((await hubFetch(FILE_URL, {}, { fetch: answer(404), allow: [404] })).status).toBe(404);
  });

  it("turns each refusal into its named error, naming the file and the status", async () => {
    await expect(hubFetch(FILE_URL, {}, { fetch: answer(404) })).rejects.toThrow(HubFileNotFoundError);
    await expect(hubFetch(FILE_URL, {}, { fetch: answer(401) })).rejects.toThrow(HubAccessDeniedError);
    const denied = await hubFetch(FILE_URL, {}, { fetch: answer(403), what: "SD-Turbo: unet/model.onnx" }).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(HubAccessDeniedError);
    expect(denied).toMatchObject({
      data: { url: FILE_URL, status: 403 },
      message: expect.stringMatching(/^SD-Turbo: unet\/model\.onnx — .*\(HTTP 403\)/),
    });
    const busy = await hubFetch(FILE_URL, {}, { fetch: answer(503) }).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(HubStatusError);
    expect(busy).toMatchObject({ data: { status: 503 }, message: expect.stringMatching(/HTTP 503 .*try again later/) });
    await expect(hubFetch(FILE_URL, {}, { fetch: answer(416) })).rejects.toThrow(HubStatusError);
  });

  it("tells offline and CORS failures (fetch's bare TypeError) from a pause the caller asked for", async () => {
    const offline = await hubFetch(FILE_URL, {}, { fetch: failed }).catch((e: unknown) => e);
    expect(offline).toBeInstanceOf(HubNetworkError);
    expect(offline).toMatchObject({ data: { url: FILE_URL, cause: "Failed to fetch" }, message: expect.stringMatching(/CORS/) });
    const pause = new AbortController();
    pause.abort();
    const aborting = (async (_: string, init: RequestInit) => {
      throw init.signal?.reason;
    }) as unknown as typeof fetch;
    await expect(hubFetch(FILE_URL, { signal: pause.signal }, { fetch: aborting })).rejects.toBe(pause.signal.reason);
  });

  it("counts 5xx, 429 and 408 as worth another try, other statuses not", () => {
    expect([500, 502, 503, 429, 408].every(isTransient)).toBe(true);
    expect([400, 404, 410, 416].some(isTransient)).toBe(false);
  });
});
