import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHub, tinyShapesRepos, type Hub } from "../../e2e/hub/server";
import { HubAccessDeniedError } from "../hub/errors";
import { resolveCustomModel } from "./customModel";
import { parseModelRef } from "./customModelRef";
import { hubReader } from "./customModelHub";
import { HubUnreachableError, ModelConfigError, ModelRepoNotFoundError } from "./errors";

const TINY = join(__dirname, "../../public/models/tiny-shapes");
const file = (path: string, repo = "a/b") => ({ repo, revision: "main", path });
const answer = (status: number, headers: Record<string, string> = {}, body = "") =>
  (async () => new Response(status === 204 ? null : body, { status, headers })) as unknown as typeof fetch;

describe("hubReader", () => {
  it("asks with GET for configs and HEAD for files, at the hub's download address", async () => {
    const calls: string[] = [];
    const fetchFn = (async (url: string, init: RequestInit) => {
      calls.push(`${init.method} ${url} ${init.cache}`);
      return new Response(init.method === "HEAD" ? null : '{"a":1}', { status: 200, headers: { "Content-Length": "7" } });
    }) as unknown as typeof fetch;
    const hub = hubReader("https://hf.example/m", fetchFn);
    expect(await hub.json(file("unet/config.json"))).toEqual({ a: 1 });
    expect(await hub.stat(file("unet/model.onnx"))).toEqual({ bytes: 7 });
    expect(calls).toEqual([
      "GET https://hf.example/m/a/b/resolve/main/unet/config.json no-store",
      "HEAD https://hf.example/m/a/b/resolve/main/unet/model.onnx no-store",
    ]);
  });

  it("answers undefined for a missing file and a named error for a missing repo, refusal or outage", async () => {
    expect(await hubReader("https://h", answer(404)).stat(file("x"))).toBeUndefined();
    expect(await hubReader("https://h", answer(404, { "X-Error-Code": "EntryNotFound" })).json(file("x"))).toBeUndefined();
    await expect(hubReader("https://h", answer(404, { "X-Error-Code": "RepoNotFound" })).json(file("x"))).rejects.toThrow(
      /a\/b@main on https:\/\/h: the hub has no such repository/,
    );
    await expect(hubReader("https://h", answer(404, { "X-Error-Code": "RevisionNotFound" })).json(file("x"))).rejects.toThrow(
      /has no revision "main"/,
    );
    await expect(hubReader("https://h", answer(401)).json(file("x"))).rejects.toThrow(ModelRepoNotFoundError);
    await expect(hubReader("https://h", answer(403)).json(file("x"))).rejects.toThrow(HubAccessDeniedError);
    await expect(hubReader("https://h", answer(502)).stat(file("x"))).rejects.toThrow(/could not be reached \(HTTP 502 for a\/b\/x\)/);
    const offline = (async () => {
      throw new TypeError("Failed to fetch");
    }) as unknown as typeof fetch;
    await expect(hubReader("https://h", offline).json(file("x"))).rejects.toThrow(HubUnreachableError);
    await expect(hubReader("https://h", answer(200, {}, "<html>")).json(file("x"))).rejects.toThrow(ModelConfigError);
    expect(await hubReader("https://h", answer(200)).stat(file("x"))).toEqual({});
  });
});

describe("resolving against the test hub", () => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub({ root: join(__dirname, "__fixtures__"), repos: tinyShapesRepos(TINY) });
  });
  afterAll(() => hub.close());

  const resolve = (input: string) => {
    const ref = parseModelRef(input, hub.url);
    return resolveCustomModel(input, ref, hubReader(ref.hubBase));
  };

  it("reads model.json where the repo has one, and infers it from diffusers configs where not", async () => {
    const own = await resolve("test/tiny-shapes");
    expect(own.custom.inferred).toBe(false);
    expect(own.manifest.variants.map((v) => v.precision)).toEqual(["fp32", "fp16"]);
    const inferred = await resolve(`${hub.url}/test/tiny-shapes-diffusers`);
    expect(inferred.custom.inferred).toBe(true);
    expect(inferred.manifest.variants.map((v) => v.precision)).toEqual(["fp32", "fp16"]);
    expect(inferred.downloadBytes.fp32).toBe(own.downloadBytes.fp32);
    expect(hub.requests().every((r) => r.method === "GET" || r.method === "HEAD")).toBe(true);
  });

  it("tells a missing repo from a repo that is not a model", async () => {
    await expect(resolve("nobody/nothing")).rejects.toThrow(/nobody\/nothing@main on .*: the hub has no such repository/);
    // the fixture folder is a repo of the hub's root without model.json or model_index.json
    await expect(resolve("tiny-shapes-diffusers/unet")).rejects.toThrow(/neither a model.json nor a model_index.json/);
  });
});
