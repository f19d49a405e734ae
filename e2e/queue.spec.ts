import { expect, test, type Page } from "@playwright/test";

const queue = (page: Page) => page.getByRole("region", { name: /^Queue/ });
const job = (page: Page, prompt: string) => queue(page).getByRole("listitem").filter({ hasText: prompt });
/** Seeds of this visit's images as the strip shows them: newest first, like the gallery. */
const recentSeeds = (page: Page) =>
  page
    .getByRole("list", { name: "Images this visit" })
    .getByRole("img")
    .evaluateAll((imgs) => imgs.map((img) => img.getAttribute("alt")?.replace(/^Recent image \d+, seed /, "")));

async function fill(page: Page, settings: { prompt: string; seed: number; steps: number; size?: number; batch?: number }) {
  await page.getByRole("textbox", { name: "Prompt", exact: true }).fill(settings.prompt);
  await page.getByLabel("Seed", { exact: true }).fill(String(settings.seed));
  await page.getByLabel("Steps").fill(String(settings.steps));
  await page.getByLabel("Width").fill(String(settings.size ?? 64));
  await page.getByLabel("Height").fill(String(settings.size ?? 64));
  await page.getByLabel("Batch count").fill(String(settings.batch ?? 1));
}

test.beforeEach(async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("button", { name: "Generate" })).toBeEnabled();
});

test("five queued jobs run in order; waiting ones can be reordered and removed, the running one skipped", async ({ page }) => {
  // A long first job keeps the others waiting while the user rearranges them.
  await fill(page, { prompt: "job 1", seed: 101, steps: 150, size: 256 });
  await page.getByRole("button", { name: "Generate" }).click();
  for (const n of [2, 3, 4, 5]) {
    await fill(page, { prompt: `job ${n}`, seed: 100 + n, steps: 2 });
    await page.getByRole("button", { name: "Generate" }).click();
  }
  await expect(queue(page).getByRole("listitem")).toHaveCount(5);
  await expect(queue(page)).toContainText("4 waiting");

  await job(page, "job 3").getByRole("button", { name: "Remove" }).click();
  await job(page, "job 5").getByRole("button", { name: "Move up" }).click();
  await expect(queue(page).getByRole("listitem")).toHaveText([/job 1.*running/, /job 2/, /job 5/, /job 4/]);

  // Stop the running job in the middle of the queue; the rest go on.
  await expect(page.getByText(/Step \d+\/150/)).toBeVisible();
  await job(page, "job 1").getByRole("button", { name: "Skip" }).click();
  await expect(queue(page)).toHaveCount(0);
  expect(await recentSeeds(page)).toEqual(["104", "105", "102"]);
  await expect(page.getByRole("img", { name: "Generated image, seed 104" })).toBeVisible();
  // The progress bar covers the whole run: the three finished 2-step jobs.
  await expect(page.getByRole("progressbar")).toHaveAttribute("max", "6");
  await expect(page.getByRole("progressbar")).toHaveAttribute("value", "6");
});

test("a batch of 4 makes 4 images with seeds s, s+1, s+2, s+3", async ({ page }) => {
  await fill(page, { prompt: "a pink heart", seed: 500, steps: 2, batch: 4 });
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(job(page, "batch 4 of 4")).toContainText("seed 503");
  await expect(queue(page)).toHaveCount(0);
  expect(await recentSeeds(page)).toEqual(["503", "502", "501", "500"]);
  await expect(page.getByRole("region", { name: "Gallery" }).getByRole("listitem")).toHaveCount(4);
});

test("Cancel stops the running job only; Clear queue drops the waiting ones", async ({ page }) => {
  await fill(page, { prompt: "a long one", seed: 1, steps: 150, size: 256, batch: 3 });
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(queue(page).getByRole("listitem")).toHaveCount(3);
  await expect(page.getByText(/Step \d+\/150/)).toBeVisible();
  await page.getByRole("button", { name: "Cancel" }).click();
  // the next of the batch starts at once
  await expect(job(page, "batch 2 of 3")).toContainText("running");
  await expect(queue(page).getByRole("listitem")).toHaveCount(2);

  await page.getByRole("button", { name: "Clear queue" }).click();
  await expect(queue(page).getByRole("listitem")).toHaveCount(1);
  await expect(page.getByRole("button", { name: "Clear queue" })).toBeDisabled();
  await expect(job(page, "batch 2 of 3")).toContainText("running");
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByRole("status", { name: "Progress announcements" })).toHaveText("Cancelled.");
  await expect(queue(page)).toHaveCount(0);
  await expect(page.getByRole("img", { name: /^Generated image/ })).toHaveCount(0);
});

test("Escape cancels the running job, and closes an open dialog first", async ({ page }) => {
  await fill(page, { prompt: "a long one", seed: 1, steps: 150, size: 256, batch: 2 });
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(page.getByText(/Step \d+\/150/)).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(job(page, "batch 2 of 2")).toContainText("running");
  await page.keyboard.press("Escape");
  await expect(page.getByRole("status", { name: "Progress announcements" })).toHaveText("Cancelled.");
  await expect(queue(page)).toHaveCount(0);
});

test("the live region announces a job's start, each quarter and its end, not every step", async ({ page }) => {
  const status = page.getByRole("status", { name: "Progress announcements" });
  await page.evaluate(() => {
    const w = window as unknown as { heard: string[] };
    w.heard = [];
    const observe = () => {
      const region = document.querySelector('section[aria-label="Result"] [role="status"]');
      if (!region) return requestAnimationFrame(observe);
      new MutationObserver(() => w.heard.push(region.textContent ?? "")).observe(region, { subtree: true, childList: true, characterData: true });
    };
    observe();
  });
  await fill(page, { prompt: "a small one", seed: 7, steps: 8 });
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(status).toHaveText(/^Done in [\d.]+ s — seed 7\.$/);
  const heard = await page.evaluate(() => (window as unknown as { heard: string[] }).heard.filter((t) => t !== ""));
  expect(heard).toEqual(["Started.", "25 % done.", "50 % done.", "75 % done.", expect.stringMatching(/^Done in/)]);
});
