import { readFileSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { decodePng } from "../src/png/encodePng";
import { readGenerationInfo } from "../src/png/parameters";

async function fillForm(page: Page, prompt: string, opts: { steps?: number; seed?: number } = {}) {
  await page.getByRole("textbox", { name: "Prompt", exact: true }).fill(prompt);
  if (opts.steps !== undefined) await page.getByLabel("Steps").fill(String(opts.steps));
  if (opts.seed !== undefined) await page.getByLabel("Seed", { exact: true }).fill(String(opts.seed));
}

async function generateAndDownload(page: Page): Promise<Buffer> {
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(page.getByRole("img", { name: /^Generated image/ })).toBeVisible();
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download PNG" }).click();
  return readFileSync(await (await download).path());
}

test.beforeEach(async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("button", { name: "Generate" })).toBeEnabled();
});

test("a user generates an image, watching previews, and downloads a PNG with its parameters", async ({ page }) => {
  await fillForm(page, "a red star on a blue background", { steps: 8, seed: 1234 });
  // count the preview frames as the page paints them
  await page.evaluate(() => {
    const w = window as unknown as { previewSteps: Set<string> };
    w.previewSteps = new Set();
    new MutationObserver(() => {
      const c = document.querySelector("canvas.preview");
      if (c) w.previewSteps.add(c.getAttribute("data-step") ?? "");
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  const png = await generateAndDownload(page);
  const previewSteps = await page.evaluate(() => (window as unknown as { previewSteps: Set<string> }).previewSteps.size);
  expect(previewSteps).toBeGreaterThanOrEqual(7);
  await expect(page.getByRole("progressbar")).toHaveAttribute("value", "8");
  const info = readGenerationInfo(new Uint8Array(png));
  expect(info.prompt).toBe("a red star on a blue background");
  expect(info.seed).toBe(1234);
  expect(info.steps).toBe(8);
  expect(info.sampler).toBe("Euler");
  expect(decodePng(new Uint8Array(png)).width).toBe(64);
});

test("the same seed twice gives identical pixels", async ({ page }) => {
  await fillForm(page, "a green circle on a white background", { steps: 4, seed: 7 });
  const first = decodePng(new Uint8Array(await generateAndDownload(page)));
  const second = decodePng(new Uint8Array(await generateAndDownload(page)));
  expect(Buffer.from(second.rgba).equals(Buffer.from(first.rgba))).toBe(true);
});

test("without a WebGPU adapter the app falls back to WASM and says why", async ({ page }) => {
  await fillForm(page, "a yellow square on a black background", { steps: 2 });
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(page.getByText(/^Backend: WASM — WASM fallback: .*(no GPU adapter|no WebGPU)/)).toBeVisible();
  await expect(page.getByRole("img", { name: /^Generated image/ })).toBeVisible();
});

test("invalid settings are refused in the form with a clear message", async ({ page }) => {
  await fillForm(page, "a star", { steps: 0 });
  await page.getByLabel("Width").fill("100");
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(page.getByText("Steps must be a whole number from 1 to 150.")).toBeVisible();
  await expect(page.getByText(/Width must be from 64 to 256 pixels in steps of 16/)).toBeVisible();
  await expect(page.getByRole("img", { name: /^Generated image/ })).toHaveCount(0);
});

test("a user can cancel a generation", async ({ page }) => {
  await fillForm(page, "a purple diamond on an orange background", { steps: 150 });
  await page.getByLabel("Width").fill("256");
  await page.getByLabel("Height").fill("256");
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(page.getByText(/Step \d+\/150/)).toBeVisible();
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByRole("status", { name: "Progress announcements" })).toHaveText("Cancelled.");
  await expect(page.getByRole("button", { name: "Generate" })).toBeEnabled();
});
