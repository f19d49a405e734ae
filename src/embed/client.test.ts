import { describe, expect, it } from "vitest";
import { fakeEngine, tinyManifest, until } from "../ui/fakeEngine";
import { createAppStore } from "../ui/store";
import { createImageGeneratorClient, type EmbedError } from "./client";
import { parseOrigins } from "./origins";
import { createEmbedRouter } from "./router";

const HOST = "https://shop.example";
const WIDGET = "https://gen.example";

/** A host window and a widget window joined by postMessage as browsers do it: asynchronously, by origin. */
function wire(origins = HOST) {
  const { engine, started } = fakeEngine();
  const store = createAppStore({ engine, model: { id: "tiny-shapes", name: "Tiny", base: `${WIDGET}/m` } });
  store.getState().setManifest(tinyManifest());
  const router = createEmbedRouter({ allow: parseOrigins(origins).allow, store, defaults: { steps: 2 }, crossOriginIsolated: true });
  const host = Object.assign(new EventTarget(), { location: { origin: HOST } });
  const widget = {
    postMessage(data: unknown, targetOrigin: string) {
      // A browser delivers nothing when the target origin does not match the window's.
      if (targetOrigin !== WIDGET) return;
      setTimeout(() =>
        router.receive(data, {
          origin: HOST,
          post: (event) => setTimeout(() => host.dispatchEvent(Object.assign(new Event("message"), { data: event, origin: WIDGET, source: widget }))),
        }),
      );
    },
  };
  const iframe = { src: `${WIDGET}/embed.html?origins=x`, ownerDocument: { baseURI: `${HOST}/page`, defaultView: host }, contentWindow: widget };
  // Only the few members the client uses exist on this stand-in for an iframe element.
  const client = (timeoutMs?: number, onError?: (e: EmbedError) => void) =>
    createImageGeneratorClient(iframe as unknown as HTMLIFrameElement, { timeoutMs, onError });
  return { started, client, widget };
}

describe("createImageGeneratorClient", () => {
  it("waits for the widget, then generates with progress and resolves with the PNG", async () => {
    const { started, client } = wire();
    const c = client();
    expect(await c.ready).toMatchObject({ version: 1, crossOriginIsolated: true, defaults: { steps: 2 } });
    const progress: string[] = [];
    let ahead = -1;
    const job = c.generate({ prompt: "a star", seed: 3 }, { onQueued: (n) => (ahead = n), onProgress: (p) => progress.push(`${p.step}/${p.steps}`) });
    await until(() => started.length === 1);
    started[0].handlers.onProgress?.({ step: 1, steps: 2, elapsedMs: 1 });
    started[0].finish();
    const image = await job.done;
    expect(image).toMatchObject({ seed: 3, params: { prompt: "a star", steps: 2 } });
    expect(image.png).toBeInstanceOf(Blob);
    expect(progress).toEqual(["1/2"]);
    expect(ahead).toBe(0);
    c.destroy();
  });

  it("cancels before and after the request reaches the widget", async () => {
    const { started, client } = wire();
    const c = client();
    const early = c.generate({ prompt: "never sent" });
    early.cancel();
    await expect(early.done).rejects.toMatchObject({ name: "CancelledError", requestId: early.id });
    await c.ready;
    const late = c.generate({ prompt: "stopped" });
    await until(() => started.length === 1);
    late.cancel();
    await expect(late.done).rejects.toMatchObject({ name: "CancelledError" });
    expect(started.map((s) => s.job.params.prompt)).toEqual(["stopped"]);
    c.destroy();
  });

  it("rejects with the widget's error, naming the setting at fault", async () => {
    const { client } = wire();
    const c = client();
    await expect(c.generate({ steps: 0 }).done).rejects.toMatchObject({ name: "InvalidParamsError", field: "steps" });
    c.destroy();
  });

  it("passes errors that belong to none of its requests to onError", async () => {
    const { client, widget } = wire();
    const errors: [string | null, string][] = [];
    const c = client(undefined, (e) => errors.push([e.requestId, e.name]));
    await c.ready;
    widget.postMessage({ hello: "world" }, WIDGET);
    await until(() => errors.length === 1);
    expect(errors).toEqual([[null, "MalformedMessageError"]]);
    c.destroy();
  });

  it("times out with a fix-it message when this page's origin is not allowed", async () => {
    const { client, started } = wire("https://other.example");
    const c = client(100);
    const job = c.generate({ prompt: "x" });
    await expect(c.ready).rejects.toThrow(`Check that its URL's origins parameter lists this page's origin (${HOST})`);
    await expect(job.done).rejects.toMatchObject({ name: "TimeoutError" });
    expect(started).toEqual([]);
  });
});
