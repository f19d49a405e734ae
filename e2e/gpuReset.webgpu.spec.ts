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
  // the notice is a status line that the retry's own progress replaces within a moment: keep every text
  // the live regions announce, as a screen reader would hear them
  await page.evaluate(() => {
    const w = window as unknown as { announced: string[] };
    w.announced = [];
    new MutationObserver(() => {
      for (const region of document.querySelectorAll("[aria-live], [role=status], [role=alert]")) w.announced.push(region.textContent ?? "");
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  const cdp = await browser.newBrowserCDPSession();
  const t0 = Date.now();
  await cdp.send("Browser.crashGpuProcess");
  const announced = () => page.evaluate(() => (window as unknown as { announced: string[] }).announced);
  await expect
    .poll(async () => (await announced()).find((t) => /GPU was reset|stopped answering|WebGPU did not come back/.test(t)), { timeout: 120_000 })
    .toBeDefined();
  console.log(`after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${(await announced()).find((t) => /GPU was reset/.test(t))}`);
  await expect(page.getByRole("img", { name: /^Generated image/ })).toBeVisible({ timeout: 300_000 });
  console.log(await page.getByText(/Backend:/).textContent());

  // the engine is not left stuck: the next job runs
  await expect(page.getByText(/^1 image ·/)).toBeVisible();
  await page.getByLabel("Steps").fill("2");
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(page.getByText(/^2 images ·/)).toBeVisible({ timeout: 300_000 });
});
