import { expect, test } from "@playwright/test";

// SwiftShader's WebGPU in headless Chromium is slow: a small image and few steps.
test("generates on WebGPU when an adapter exists", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("button", { name: "Generate" })).toBeEnabled();
  await page.getByRole("textbox", { name: "Prompt", exact: true }).fill("a blue circle on a yellow background");
  await page.getByLabel("Steps").fill("2");
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(page.getByRole("img", { name: /^Generated image/ })).toBeVisible({ timeout: 180_000 });
  await expect(page.getByText(/Backend: WebGPU/)).toBeVisible();
});

test("generates with the built-in SDXL-style model on WebGPU", async ({ page }) => {
  await page.goto("/");
  await page.getByText("Models", { exact: true }).click();
  await page.getByRole("button", { name: "Use Tiny Shapes XL (built-in)" }).click();
  await page.getByRole("textbox", { name: "Prompt", exact: true }).fill("a red square on a green background");
  await page.getByLabel("Steps").fill("2");
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(page.getByRole("img", { name: /^Generated image/ })).toBeVisible({ timeout: 180_000 });
  await expect(page.getByText(/Backend: WebGPU/)).toBeVisible();
});
