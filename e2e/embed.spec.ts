import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test, type Page } from "@playwright/test";
import ts from "typescript";
import { decodePng } from "../src/png/encodePng";
import { readGenerationInfo } from "../src/png/parameters";

type ClientModule = typeof import("../src/embed/client");

/**
 * A site owner's pages on origins other than the widget's: each server is its own origin
 * (127.0.0.1 and a port). They serve a host page that iframes the widget, and the client module,
 * compiled from src/embed as a site would bundle it.
 */
async function startHost(): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://host");
    const module = /^\/embed\/(client|protocol)\.js$/.exec(url.pathname);
    if (module) {
      const source = readFileSync(new URL(`../src/embed/${module[1]}.ts`, import.meta.url), "utf8");
      const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
      res.writeHead(200, { "content-type": "text/javascript" });
      res.end(js.replace(/from "\.\/protocol"/g, 'from "./protocol.js"'));
      return;
    }
    if (url.pathname !== "/host.html") {
      res.writeHead(404).end();
      return;
    }
    // A cross-origin-isolated host page, so the widget may use several WASM threads.
    const isolation = url.searchParams.has("isolate")
      ? { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" }
      : {};
    const widget = (url.searchParams.get("widget") ?? "").replace(/&/g, "&amp;").replace(/"/g, "&quot;");
    res.writeHead(200, { "content-type": "text/html", ...isolation });
    res.end(`<!doctype html><title>Host</title><h1>A host page</h1>
<iframe src="${widget}" width="360" height="520" allow="cross-origin-isolated" title="Image generator"></iframe>`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

let host: Awaited<ReturnType<typeof startHost>>;
let stranger: Awaited<ReturnType<typeof startHost>>;
test.beforeAll(async () => {
  [host, stranger] = await Promise.all([startHost(), startHost()]);
});
test.afterAll(async () => {
  await Promise.all([host.close(), stranger.close()]);
});

async function openHost(page: Page, baseURL: string | undefined, { origin = host.origin, isolate = false } = {}) {
  const widget = `${baseURL}/embed.html?origins=${encodeURIComponent(host.origin)}`;
  await page.goto(`${origin}/host.html?${isolate ? "isolate&" : ""}widget=${encodeURIComponent(widget)}`);
  return `${origin}/embed/client.js`;
}

test("a page on another origin generates through the client API, with progress and a PNG Blob", async ({ page, baseURL }) => {
  const clientUrl = await openHost(page, baseURL, { isolate: true });
  const out = await page.evaluate(async (url) => {
    const { createImageGeneratorClient } = (await import(url)) as ClientModule;
    const client = createImageGeneratorClient(document.querySelector("iframe")!);
    const info = await client.ready;
    const progress: string[] = [];
    const job = client.generate(
      { prompt: "a red star on a blue background", steps: 3, seed: 11, width: 64, height: 64 },
      {
        onProgress: (p) => progress.push(`${p.step}/${p.steps}`),
      },
    );
    const image = await job.done;
    return {
      isolated: info.crossOriginIsolated,
      hostIsolated: crossOriginIsolated,
      progress,
      isBlob: image.png instanceof Blob,
      type: image.png.type,
      seed: image.seed,
      png: [...new Uint8Array(await image.png.arrayBuffer())],
    };
  }, clientUrl);
  // Under COOP/COEP with allow="cross-origin-isolated", the widget is isolated too (multi-threaded WASM).
  expect(out.hostIsolated).toBe(true);
  expect(out.isolated).toBe(true);
  expect(out.progress).toEqual(["1/3", "2/3", "3/3"]);
  expect(out.isBlob).toBe(true);
  expect(out.type).toBe("image/png");
  const png = Uint8Array.from(out.png);
  expect(decodePng(png)).toMatchObject({ width: 64, height: 64 });
  expect(readGenerationInfo(png)).toMatchObject({ prompt: "a red star on a blue background", seed: 11, steps: 3 });
  // The widget shows the image it made for the host page.
  await expect(page.frameLocator("iframe").getByRole("img", { name: "Generated image, seed 11" })).toBeVisible();
});

test("garbage messages get error events, and the widget keeps working (single-threaded without isolation)", async ({ page, baseURL }) => {
  const clientUrl = await openHost(page, baseURL);
  const out = await page.evaluate(async (url) => {
    const { createImageGeneratorClient } = (await import(url)) as ClientModule;
    const iframe = document.querySelector("iframe")!;
    const errors: [string | null, string][] = [];
    const client = createImageGeneratorClient(iframe, { onError: (e) => errors.push([e.requestId, e.name]) });
    const info = await client.ready;
    const widget = iframe.contentWindow!;
    const origin = new URL(iframe.src).origin;
    const tag = { protocol: "browser-diffusion-embed", v: 1 };
    const garbage: unknown[] = [
      null,
      42,
      "x".repeat(5_000_000),
      [tag],
      { ...tag, type: "generate" },
      { ...tag, type: "hello", id: "y".repeat(1_000_000) },
      { ...tag, v: 2, type: "hello", id: "future" },
      { ...tag, type: "explode", id: "t" },
      { ...tag, type: "generate", id: "bad-steps", params: { steps: "many" } },
      { ...tag, type: "generate", id: "huge", params: { prompt: "<img src=x onerror=alert(1)>".repeat(100_000) } },
    ];
    for (const message of garbage) widget.postMessage(message, origin);
    const deadline = Date.now() + 20_000;
    while (errors.length < garbage.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const image = await client.generate({ prompt: "a green circle", steps: 2, seed: 5 }).done;
    return { errors, isolated: info.crossOriginIsolated, seed: image.seed, bytes: image.png.size };
  }, clientUrl);
  expect(out.errors).toEqual([
    [null, "MalformedMessageError"],
    [null, "MalformedMessageError"],
    [null, "MalformedMessageError"],
    [null, "MalformedMessageError"],
    [null, "MalformedMessageError"],
    [null, "MalformedMessageError"],
    ["future", "UnsupportedVersionError"],
    ["t", "MalformedMessageError"],
    ["bad-steps", "InvalidParamsError"],
    ["huge", "InvalidParamsError"],
  ]);
  // Without COOP/COEP on the host the widget is not isolated: one WASM thread, and it still works.
  expect(out.isolated).toBe(false);
  expect(out.seed).toBe(5);
  expect(out.bytes).toBeGreaterThan(100);
  await expect(page.frameLocator("iframe").getByRole("img", { name: "Generated image, seed 5" })).toBeVisible();
});

test("the URL's names work in generate params, and a host that asks for previews gets them", async ({ page, baseURL }) => {
  const clientUrl = await openHost(page, baseURL);
  const out = await page.evaluate(async (url) => {
    const { createImageGeneratorClient } = (await import(url)) as ClientModule;
    const client = createImageGeneratorClient(document.querySelector("iframe")!);
    await client.ready;
    const previews: string[] = [];
    const image = await client.generate(
      { prompt: "a red star", negative: "blurry", cfg: 6, steps: 3, seed: 21 },
      {
        onPreview: ({ step, image }) => previews.push(`${step}:${image.width}x${image.height}:${image.data.length}`),
      },
    ).done;
    let unknown: { name: string; field?: string } | undefined;
    await client
      .generate({ prompt: "x", stpes: 3 } as never)
      .done.catch((e: { name: string; field?: string }) => (unknown = { name: e.name, field: e.field }));
    return { previews, params: image.params, unknown };
  }, clientUrl);
  expect(out.params).toMatchObject({ negativePrompt: "blurry", guidance: 6, seed: 21 });
  expect(out.previews.length).toBeGreaterThanOrEqual(1);
  expect(out.previews[0]).toMatch(/^\d+:\d+x\d+:\d+$/);
  expect(out.unknown).toEqual({ name: "InvalidParamsError", field: "stpes" });
});

test("the widget shows the image forming while it generates", async ({ page, baseURL }) => {
  await openHost(page, baseURL);
  const widget = page.frameLocator("iframe");
  await widget.getByLabel("Prompt").fill("a blue circle");
  // the built-in model can finish in less time than one look at the page takes: note every preview as it is drawn
  const frame = page.frames().find((f) => f !== page.mainFrame() && f.url().includes("/embed.html"))!;
  await frame.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { previewsSeen: string[] }).previewsSeen = seen;
    new MutationObserver((changes) => {
      for (const c of changes) {
        const el = c.target as Element;
        const label = el.getAttribute?.("aria-label");
        // the widget labels its preview canvas only when it draws a step into it
        if (label?.startsWith("Preview after step")) seen.push(label);
      }
    }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ["aria-label"] });
  });
  await widget.getByRole("button", { name: "Generate" }).click();
  await expect(widget.getByRole("img", { name: /^Generated image/ })).toBeVisible();
  expect(await frame.evaluate(() => (window as unknown as { previewsSeen: string[] }).previewsSeen)).toContainEqual(
    expect.stringMatching(/^Preview after step \d+$/),
  );
  // the live region says when it is done, not every step
  await expect(widget.getByRole("status", { name: "Progress announcements" })).toHaveText(/^Done in [\d.]+ s — seed \d+\.$/);
});

test("a page whose origin is not on the allowlist is ignored: no answer, no job", async ({ page, baseURL }) => {
  const clientUrl = await openHost(page, baseURL, { origin: stranger.origin });
  const out = await page.evaluate(async (url) => {
    const { createImageGeneratorClient } = (await import(url)) as ClientModule;
    const iframe = document.querySelector("iframe")!;
    const heard: unknown[] = [];
    addEventListener("message", (e) => heard.push(e.data));
    const client = createImageGeneratorClient(iframe, { timeoutMs: 3_000 });
    const job = client.generate({ prompt: "a stolen star", steps: 2 });
    iframe.contentWindow!.postMessage({ protocol: "browser-diffusion-embed", v: 1, type: "generate", id: "sneaky", params: {} }, "*");
    const failure = await job.done.then(
      () => "generated",
      (e: Error) => e.name,
    );
    return { failure, heard: heard.length };
  }, clientUrl);
  expect(out).toEqual({ failure: "TimeoutError", heard: 0 });
  const widget = page.frameLocator("iframe");
  await expect(widget.getByText("Ready.")).toBeVisible();
  await expect(widget.getByRole("progressbar")).toHaveAttribute("value", "0");
  await expect(widget.getByRole("img")).toHaveCount(0);
});
