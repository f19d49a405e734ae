import { expect, test } from "@playwright/test";

// Chromium's GPU process is killed as a crash or a driver reset would end it; SwiftShader stands in for the GPU.
test("a GPU reset mid-generation is reported, the job runs again on a new device, and later jobs still run", async ({ page, browser }) => {
  test.setTimeout(600_000);
  await page.goto("/");
  await expect(page.getByRole("button", { name: "Generate" })).toBeEnabled();
  await page.getByRole("textbox", { name: "Prompt", exact: true }).fill("a blue circle on a yellow background");
  await page.getByLabel("Steps").fill("8");
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(page.getByText(/Step \d+\/8/)).toBeVisible({ timeout: 300_000 });
  const cdp = await browser.newBrowserCDPSession();
  const t0 = Date.now();
  await cdp.send("Browser.crashGpuProcess");
  const notice = page.getByText(/GPU was reset|stopped answering|WebGPU did not come back/);
  await expect(notice).toBeVisible({ timeout: 120_000 });
  console.log(`after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${await notice.textContent()}`);
  await expect(page.getByRole("img", { name: /^Generated image/ })).toBeVisible({ timeout: 300_000 });
  console.log(await page.getByText(/Backend:/).textContent());

  // the engine is not left stuck: the next job runs
  await expect(page.getByText(/^1 image ·/)).toBeVisible();
  await page.getByLabel("Steps").fill("2");
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(page.getByText(/^2 images ·/)).toBeVisible({ timeout: 300_000 });
});
