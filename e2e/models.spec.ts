import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test, type Locator, type Page } from "@playwright/test";
import { startHub, tinyShapesRepos, type Hub } from "./hub/server";

const TINY = fileURLToPath(new URL("../public/models/tiny-shapes", import.meta.url));
const ID = "custom--test--tiny-shapes";
const UNET_BYTES = statSync(join(TINY, "unet/model.onnx")).size;
const SD_TURBO_BYTES = ["tokenizer.json", "tokenizer_config.json", "text_encoder", "unet", "vae_decoder", "vae_encoder"]
  .map((p) => statSync(join(TINY, p.endsWith(".json") ? p : `${p}/model.onnx`)).size)
  .reduce((a, b) => a + b);

let hub: Hub;
let root: string;

test.beforeEach(async () => {
  // the hub's root holds a diffusers repo with PyTorch weights only, for the "no ONNX files" message
  root = await mkdtemp(join(tmpdir(), "models-hub-"));
  await mkdir(join(root, "someone/pytorch-only/scheduler"), { recursive: true });
  await writeFile(join(root, "someone/pytorch-only/model_index.json"), JSON.stringify({ _class_name: "StableDiffusionPipeline" }));
  await writeFile(join(root, "someone/pytorch-only/scheduler/scheduler_config.json"), JSON.stringify({ beta_schedule: "scaled_linear" }));
  hub = await startHub({ root, repos: tinyShapesRepos(TINY) });
});

test.afterEach(async () => {
  await hub.close();
  await rm(root, { recursive: true, force: true });
});

async function openApp(page: Page) {
  await page.goto(`/?hub=${encodeURIComponent(hub.url)}`);
  await page.getByText("Models", { exact: true }).click();
}

const row = (page: Page, name: string): Locator => page.getByRole("listitem").filter({ has: page.getByText(name, { exact: true }) });

async function addCustomModel(page: Page, input: string) {
  await page.getByLabel("Custom model").fill(input);
  await page.getByRole("button", { name: "Add model" }).click();
}

/** Adds a repo and waits until it is listed: the hub has answered every request of the addition. */
async function addModel(page: Page, input: string, name: string) {
  await addCustomModel(page, input);
  await expect(row(page, name)).toContainText("Download: fp32 7 MB · fp16 4 MB (needs WebGPU with shader-f16)");
}

async function download(page: Page, name: string) {
  await row(page, name)
    .getByRole("button", { name: `Download ${name}`, exact: true })
    .click();
  await expect(row(page, name)).toContainText("Downloaded ·", { timeout: 90_000 });
}

async function generate(page: Page) {
  await page.getByRole("textbox", { name: "Prompt", exact: true }).fill("a white circle on a red background");
  await page.getByLabel("Steps").fill("2");
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(page.getByRole("img", { name: /^Generated image/ })).toBeVisible();
}

/** The weight cache's index records of one model, read from the page (the worker writes the same database). */
function cacheRecords(page: Page, modelId: string) {
  return page.evaluate(
    (id) =>
      new Promise<{ path: string; bytes: number; complete: boolean; verified: boolean; checks?: string[] }[]>((resolve, reject) => {
        const open = indexedDB.open("diffusion-weights");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const store = open.result.transaction("weights").objectStore("weights");
          const all = store.getAll(IDBKeyRange.bound(["f", id], ["f", id, []]));
          all.onsuccess = () => resolve(all.result);
          all.onerror = () => reject(all.error);
        };
      }),
    modelId,
  );
}

const unetGets = (h: Hub) => h.requests().filter((r) => r.method === "GET" && r.path.endsWith("/unet/model.onnx"));

test("a repo added as a custom model downloads with progress, resumes a dropped connection by Range, and generates", async ({ page }) => {
  await openApp(page);
  await addModel(page, "test/tiny-shapes", "test/tiny-shapes");
  const tiny = row(page, "test/tiny-shapes");

  // slow enough to watch, and the U-Net's connection is cut after 1.5 MB
  hub.throttle(1_500_000);
  hub.fail({ path: "/unet/model.onnx", afterBytes: 1_500_000 });
  await tiny.getByRole("button", { name: "Download test/tiny-shapes", exact: true }).click();
  await expect(page.getByRole("progressbar", { name: "Download of test/tiny-shapes" })).toBeVisible();
  await expect(tiny).toContainText(/File 4\/6: \d+ (kB|MB) \/ 5 MB \(\d+ %\)/);
  await expect(tiny).toContainText("Downloaded ·", { timeout: 90_000 });

  const [cut, resumed] = unetGets(hub);
  expect(unetGets(hub)).toHaveLength(2);
  expect(cut).toMatchObject({ status: 200, bytesSent: 1_500_000 });
  const from = Number(/^bytes=(\d+)-$/.exec(resumed.range ?? "")?.[1]);
  expect(from).toBeGreaterThan(0);
  expect(from).toBeLessThanOrEqual(1_500_000);
  // the second request asked only for what was not stored
  expect(resumed).toMatchObject({ status: 206, bytesSent: UNET_BYTES - from });
  expect((await cacheRecords(page, ID)).every((r) => r.complete && r.verified)).toBe(true);

  hub.throttle(undefined);
  await tiny.getByRole("button", { name: "Use test/tiny-shapes" }).click();
  await expect(page.getByText("Model: test/tiny-shapes")).toBeVisible();
  await generate(page);
});

test("from a hub that redirects to a CDN with Hugging Face's CORS, cut and short downloads resume by Range alone and are verified by the hub's SHA-256", async ({
  page,
}) => {
  const hf = await startHub({ root, repos: tinyShapesRepos(TINY), cdn: true });
  try {
    await page.goto(`/?hub=${encodeURIComponent(hf.url)}`);
    await page.getByText("Models", { exact: true }).click();
    // the CDN refuses If-Range as Hugging Face's does: a request sending it fails its preflight
    const unetUrl = `${hf.url}/test/tiny-shapes/resolve/main/unet/model.onnx`;
    const withIfRange = await page.evaluate(
      (url) =>
        fetch(url, { headers: { Range: "bytes=10-", "If-Range": '"x"' } }).then(
          () => "answered",
          (e: Error) => e.name,
        ),
      unetUrl,
    );
    expect(withIfRange).toBe("TypeError");
    hf.reset();

    // described from diffusers configs, this model pins no sizes or hashes: only the hub can vouch for its files
    const name = "test/tiny-shapes-diffusers";
    await addModel(page, name, name);
    const tiny = row(page, name);
    hf.throttle(1_500_000);
    // the U-Net's connection drops; the VAE decoder's body ends early with a Content-Length that matches it
    hf.fail({ path: "/unet/model.onnx", afterBytes: 1_500_000 });
    hf.fail({ path: "/vae_decoder/model.onnx", truncateTo: 100_000 });
    await tiny.getByRole("button", { name: `Download ${name}`, exact: true }).click();
    await expect(tiny).toContainText("Downloaded ·", { timeout: 90_000 });
    await expect(tiny).toContainText("verified");

    const cdnGets = (file: string) => hf.requests().filter((r) => r.origin === "cdn" && r.method === "GET" && r.path.endsWith(file));
    const [cut, resumed] = cdnGets("/unet/model.onnx");
    expect(cdnGets("/unet/model.onnx")).toHaveLength(2);
    expect(cut).toMatchObject({ status: 200, bytesSent: 1_500_000 });
    expect(resumed).toMatchObject({ status: 206, range: expect.stringMatching(/^bytes=\d+-$/) });
    expect(cdnGets("/vae_decoder/model.onnx")).toEqual([
      expect.objectContaining({ status: 200, bytesSent: 100_000 }),
      expect.objectContaining({ status: 206, range: "bytes=100000-" }),
    ]);
    // Range alone is CORS-safelisted: no preflight, and never If-Range
    expect(hf.requests().filter((r) => r.method === "OPTIONS" || r.ifRange !== undefined)).toEqual([]);
    const records = await cacheRecords(page, "custom--test--tiny-shapes-diffusers");
    expect(records.map((r) => r.path).filter((p) => p.endsWith(".onnx"))).toHaveLength(4);
    for (const r of records) {
      // the CDN's ETag of an LFS file is its SHA-256; the JSON kept in git gets a git hash, so only its size counts
      expect(r).toMatchObject({ complete: true, verified: true, checks: r.path.endsWith(".onnx") ? ["hub size", "hub SHA-256"] : ["hub size"] });
    }

    hf.throttle(undefined);
    await tiny.getByRole("button", { name: `Use ${name}` }).click();
    await generate(page);
  } finally {
    await hf.close();
  }
});

test("a downloaded custom model is kept across reloads and generates with the hub and the network gone", async ({ page, context }) => {
  await openApp(page);
  await addModel(page, "test/tiny-shapes", "test/tiny-shapes");
  await download(page, "test/tiny-shapes");
  // the service worker must hold the app before the network goes
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await page.reload();
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);

  await hub.close();
  await context.setOffline(true);
  await page.reload();
  await page.getByText("Models", { exact: true }).click();
  await expect(row(page, "test/tiny-shapes")).toContainText("Downloaded ·");
  await row(page, "test/tiny-shapes").getByRole("button", { name: "Use test/tiny-shapes" }).click();
  await generate(page);
  await context.setOffline(false);
});

test("a repo without model.json is described from its diffusers configs, and generates", async ({ page }) => {
  await openApp(page);
  await addModel(page, `${hub.url}/test/tiny-shapes-diffusers`, "test/tiny-shapes-diffusers");
  await download(page, "test/tiny-shapes-diffusers");
  await row(page, "test/tiny-shapes-diffusers").getByRole("button", { name: "Use test/tiny-shapes-diffusers" }).click();
  await generate(page);
});

test("a file whose hash differs from the manifest is refused, and only it is fetched again", async ({ page }) => {
  await openApp(page);
  await addModel(page, "test/tiny-shapes", "test/tiny-shapes");
  const tiny = row(page, "test/tiny-shapes");
  hub.fail({ path: "/unet/model.onnx", corruptAt: 123_456 });
  await tiny.getByRole("button", { name: "Download test/tiny-shapes", exact: true }).click();
  await expect(tiny).toContainText(/unet\/model\.onnx failed its integrity check \(SHA-256 [0-9a-f]{64} instead of [0-9a-f]{64}\)/);
  await expect(tiny).not.toContainText("Downloaded ·");
  const records = await cacheRecords(page, ID);
  expect(records.find((r) => r.path === "unet/model.onnx")).toBeUndefined();
  expect(records.filter((r) => r.complete).map((r) => r.path)).toEqual(["text_encoder/model.onnx", "tokenizer.json", "tokenizer_config.json"]);

  hub.reset();
  await tiny.getByRole("button", { name: "Resume download of test/tiny-shapes" }).click();
  await expect(tiny).toContainText("Downloaded ·", { timeout: 90_000 });
  expect(
    hub
      .requests()
      .filter((r) => r.method === "GET")
      .map((r) => r.path.split("/resolve/main/")[1]),
  ).toEqual(["unet/model.onnx", "vae_decoder/model.onnx", "vae_encoder/model.onnx"]);
});

test("a stored file that will not load is offered for download again, which replaces just that file", async ({ page }) => {
  await openApp(page);
  const name = "test/tiny-shapes-diffusers";
  const id = "custom--test--tiny-shapes-diffusers";
  await addModel(page, name, name);
  await download(page, name);
  // a U-Net cut short and kept as complete, as downloads did before sizes were checked: it passes the
  // cache's own hash check (its hash is of the short bytes) and fails only in ONNX Runtime
  await page.evaluate(async (modelId) => {
    const open = indexedDB.open("diffusion-weights");
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const path = "unet/model.onnx";
    const read = db.transaction("weights").objectStore("weights").get(["c", modelId, path, 0]);
    const first = await new Promise<Blob>((resolve) => (read.onsuccess = () => resolve(read.result as Blob)));
    const short = new Uint8Array(await first.slice(0, 5000).arrayBuffer());
    const hex = [...new Uint8Array(await crypto.subtle.digest("SHA-256", short))].map((b) => b.toString(16).padStart(2, "0")).join("");
    const tx = db.transaction("weights", "readwrite");
    const store = tx.objectStore("weights");
    store.delete(IDBKeyRange.bound(["c", modelId, path], ["c", modelId, path, []]));
    store.put(new Blob([short]), ["c", modelId, path, 0]);
    store.put({ modelId, path, bytes: 5000, chunkCount: 1, complete: true, verified: true, sha256: hex }, ["f", modelId, path]);
    await new Promise((resolve) => (tx.oncomplete = resolve));
  }, id);

  const tiny = row(page, name);
  await tiny.getByRole("button", { name: `Use ${name}` }).click();
  await page.getByRole("textbox", { name: "Prompt", exact: true }).fill("a white circle on a red background");
  await page.getByLabel("Steps").fill("2");
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "unet/model.onnx of test/tiny-shapes-diffusers is damaged" })).toContainText(
    `choose "Download unet/model.onnx again" for ${name}`,
  );
  hub.reset();
  await tiny.getByRole("button", { name: "Download unet/model.onnx again" }).click();
  await expect(tiny).toContainText("Downloaded ·", { timeout: 90_000 });
  await expect(tiny.getByRole("button", { name: "Download unet/model.onnx again" })).toHaveCount(0);
  expect(new Set(hub.requests().map((r) => r.path.split("/resolve/main/")[1]))).toEqual(new Set(["unet/model.onnx"]));
  await generate(page);
});

test("deleting a custom model frees its storage and shows it as not downloaded", async ({ page }) => {
  await openApp(page);
  await addModel(page, "test/tiny-shapes", "test/tiny-shapes");
  await download(page, "test/tiny-shapes");
  expect(await cacheRecords(page, ID)).toHaveLength(6);
  const tiny = row(page, "test/tiny-shapes");
  await tiny.getByRole("button", { name: "Delete test/tiny-shapes" }).click();
  await expect(tiny.getByRole("button", { name: "Download test/tiny-shapes", exact: true })).toBeVisible();
  await expect(tiny).not.toContainText("stored");
  expect(await cacheRecords(page, ID)).toEqual([]);

  // removing forgets the entry too, also after a reload
  await tiny.getByRole("button", { name: "Remove test/tiny-shapes from the list" }).click();
  await expect(tiny).toHaveCount(0);
  await page.reload();
  await page.getByText("Models", { exact: true }).click();
  await expect(row(page, "Tiny Shapes (built-in)")).toBeVisible();
  await expect(row(page, "test/tiny-shapes")).toHaveCount(0);
});

test.describe("out of storage", () => {
  // the service worker's precache would take a share of the small quota this test sets
  test.use({ serviceWorkers: "block" });

  test("running out of storage names the model's size, the storage figures and what to delete, and keeps other models", async ({
    page,
    context,
    baseURL,
  }) => {
    // room for one copy of the built-in model's files (SD-Turbo's download from this hub) and 2 MB more
    const quota = SD_TURBO_BYTES + 2_000_000;
    const cdp = await context.newCDPSession(page);
    // Chromium enforces this quota on IndexedDB (set before the first write: a database caches its headroom
    // for 30 s), but estimate() does not report it; the page and the engine's worker get the same figure from a shim
    await cdp.send("Storage.overrideQuotaForOrigin", { origin: new URL(baseURL ?? "").origin, quotaSize: quota });
    const reportQuota = (q: number) => {
      const estimate = StorageManager.prototype.estimate;
      StorageManager.prototype.estimate = async function (this: StorageManager) {
        return { ...(await estimate.call(this)), quota: q };
      };
    };
    await context.addInitScript(reportQuota, quota);
    const worker = page.waitForEvent("worker", (w) => w.url().includes("engine.worker"));
    await openApp(page);
    await (await worker).evaluate(reportQuota, quota);

    // the hub serves the built-in model's files under SD-Turbo's names: a second, complete model in the cache
    // (this browser has no shader-f16, so SD-Turbo is stored with "Download anyway")
    await row(page, "SD-Turbo").getByRole("button", { name: "Download SD-Turbo anyway" }).click();
    await expect(row(page, "SD-Turbo")).toContainText("Downloaded ·", { timeout: 90_000 });
    const turbo = await cacheRecords(page, "sd-turbo");
    expect(turbo.every((r) => r.complete && r.verified)).toBe(true);

    await addModel(page, "test/tiny-shapes", "test/tiny-shapes");
    const tiny = row(page, "test/tiny-shapes");
    await tiny.getByRole("button", { name: "Download test/tiny-shapes", exact: true }).click();
    await expect(tiny).toContainText(
      /test\/tiny-shapes needs about 7 MB, but this site has used up the storage the browser allows it \(\d+ MB of 9 MB\)\. .*to make room, delete another model \(SD-Turbo \(7 MB\)\)/,
    );
    await expect(tiny.getByRole("button", { name: "Resume download of test/tiny-shapes" })).toBeVisible();

    expect(await cacheRecords(page, "sd-turbo")).toEqual(turbo);
    await expect(row(page, "SD-Turbo")).toContainText("Downloaded ·");
  });
});

test("input that names no usable model gets a specific message, and cached models stay", async ({ page }) => {
  await openApp(page);
  await addModel(page, "test/tiny-shapes", "test/tiny-shapes");
  await download(page, "test/tiny-shapes");
  const alert = page.getByRole("alert");

  await addCustomModel(page, "stable diffusion");
  await expect(alert).toContainText('"stable diffusion" is not a repo id. Enter a Hugging Face repo id such as "owner/name"');
  await addCustomModel(page, "nobody/nothing");
  await expect(alert).toContainText(`nobody/nothing@main on ${hub.url}: the hub has no such repository`);
  await addCustomModel(page, "someone/pytorch-only");
  await expect(alert).toContainText("someone/pytorch-only has no ONNX text_encoder/model.onnx, unet/model.onnx, vae_decoder/model.onnx");
  await hub.close();
  await addCustomModel(page, "test/other");
  await expect(alert).toContainText(`${hub.url} could not be reached`);

  await expect(page.getByRole("listitem").filter({ hasText: /Download: fp32/ })).toHaveCount(1);
  await expect(row(page, "test/tiny-shapes")).toContainText("Downloaded ·");
  expect((await cacheRecords(page, ID)).every((r) => r.complete)).toBe(true);
});
