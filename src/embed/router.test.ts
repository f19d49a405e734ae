import { describe, expect, it } from "vitest";
import { fakeEngine, flush, tinyManifest } from "../ui/fakeEngine";
import { createAppStore } from "../ui/store";
import { parseOrigins } from "./origins";
import { EMBED_PROTOCOL, type WidgetMessage } from "./protocol";
import { createEmbedRouter, type Requester } from "./router";

const HOST = "https://host.example";

function setup({ loaded = true } = {}) {
  const { engine, started } = fakeEngine();
  const store = createAppStore({ engine, model: { id: "tiny-shapes", name: "Tiny", base: "http://w/m" } });
  if (loaded) store.getState().setManifest(tinyManifest());
  const refused: string[] = [];
  const router = createEmbedRouter({
    allow: parseOrigins(HOST).allow,
    store,
    defaults: { steps: 3 },
    crossOriginIsolated: false,
    onRefused: (o) => refused.push(o),
  });
  const page = (origin: string) => {
    const inbox: WidgetMessage[] = [];
    // Every event is checked against the protocol's type as it would arrive in a host page.
    const from: Requester = { origin, post: (e) => inbox.push({ protocol: EMBED_PROTOCOL, v: 1, ...e }) };
    const send = (body: Record<string, unknown>) => router.receive({ protocol: EMBED_PROTOCOL, v: 1, ...body }, from);
    return { inbox, send, raw: (data: unknown) => router.receive(data, from), types: () => inbox.map((e) => e.type) };
  };
  return { store, started, refused, page };
}

describe("the embed router", () => {
  it("runs a host's generate request and sends it progress and the PNG", async () => {
    const { started, page } = setup();
    const host = page(HOST);
    host.send({ type: "generate", id: "g1", params: { prompt: "a red star", seed: 9 } });
    expect(started[0].job.params).toMatchObject({ prompt: "a red star", seed: 9, steps: 3 });
    started[0].handlers.onProgress?.({ step: 1, steps: 3, elapsedMs: 1 });
    started[0].finish();
    await flush();
    expect(host.types()).toEqual(["queued", "started", "progress", "result"]);
    const result = host.inbox[3];
    if (result.type !== "result") throw new Error("expected a result");
    expect(result.id).toBe("g1");
    expect(result.image.png).toBeInstanceOf(Blob);
    expect(result.image.seed).toBe(9);
  });

  it("ignores, without a word, every message from an origin not on the allowlist", () => {
    const { started, refused, page } = setup();
    const stranger = page("https://evil.example");
    stranger.send({ type: "generate", id: "g", params: { prompt: "x" } });
    stranger.send({ type: "hello", id: "h" });
    stranger.raw("garbage");
    expect(stranger.inbox).toEqual([]);
    expect(started).toEqual([]);
    expect(refused).toEqual(Array(3).fill("https://evil.example"));
  });

  it("answers malformed messages with error events and keeps working", () => {
    const { started, page } = setup();
    const host = page(HOST);
    host.raw(null);
    host.raw("x".repeat(1_000_000));
    host.send({ type: "generate" });
    host.send({ type: "generate", id: "bad", params: { steps: 0 } });
    host.send({ type: "generate", id: "big", params: { width: 4096 } });
    expect(host.inbox.map((e) => (e.type === "error" ? [e.id, e.error.name, e.error.field] : e.type))).toEqual([
      [null, "MalformedMessageError", undefined],
      [null, "MalformedMessageError", undefined],
      [null, "MalformedMessageError", undefined],
      ["bad", "InvalidParamsError", "steps"],
      ["big", "InvalidParamsError", "width"],
    ]);
    host.send({ type: "generate", id: "ok" });
    expect(started).toHaveLength(1);
  });

  it("answers hello once the model has loaded, with the widget's defaults and limits", () => {
    const { store, page } = setup({ loaded: false });
    const host = page(HOST);
    host.send({ type: "hello", id: "h1" });
    host.send({ type: "generate", id: "early" });
    expect(host.types()).toEqual(["error"]);
    store.getState().setManifest(tinyManifest());
    const ready = host.inbox[1];
    if (ready.type !== "ready") throw new Error("expected ready");
    expect(ready.id).toBe("h1");
    expect(ready.info).toMatchObject({
      version: 1,
      crossOriginIsolated: false,
      defaults: { steps: 3, seed: -1 },
      limits: { minSize: 64, maxSize: 256 },
    });
  });

  it("cancels a queued or running request by its id", async () => {
    const { started, page } = setup();
    const host = page(HOST);
    host.send({ type: "generate", id: "a" });
    host.send({ type: "generate", id: "b" });
    host.send({ type: "generate", id: "a" });
    expect(host.inbox.at(-1)).toMatchObject({ type: "error", id: "a", error: { name: "DuplicateRequestError" } });
    host.send({ type: "cancel", id: "b" });
    host.send({ type: "cancel", id: "a" });
    await flush();
    expect(started).toHaveLength(1);
    expect(started[0].cancelled).toBe(true);
    expect(host.inbox.filter((e) => e.type === "cancelled").map((e) => e.id)).toEqual(["b", "a"]);
    host.send({ type: "cancel", id: "a" });
    expect(host.inbox.at(-1)).toMatchObject({ type: "error", id: "a", error: { name: "UnknownRequestError" } });
  });

  it("sends previews only to a request that asked for them", async () => {
    const { started, page } = setup();
    const host = page(HOST);
    host.send({ type: "generate", id: "plain", params: { prompt: "a", negative: "blurry", cfg: 6 } });
    host.send({ type: "generate", id: "watched", params: { prompt: "b" }, previews: true });
    expect(started[0].job.params).toMatchObject({ negativePrompt: "blurry", guidance: 6 });
    const frame = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 4).fill(7) };
    started[0].handlers.onPreview?.({ step: 1, image: frame });
    started[0].finish();
    await flush();
    started[1].handlers.onPreview?.({ step: 1, image: frame });
    started[1].finish();
    await flush();
    const previews = host.inbox.filter((e) => e.type === "preview");
    expect(previews).toEqual([{ protocol: EMBED_PROTOCOL, v: 1, type: "preview", id: "watched", step: 1, image: frame }]);
  });
});
