import { expect, test, type Locator, type Page } from "@playwright/test";
import { encodePng } from "../src/png/encodePng";

/** How far the element's box lies inside the viewport: true when all of it is on screen. */
async function onScreen(page: Page, el: Locator): Promise<boolean> {
  const box = await el.boundingBox();
  const view = page.viewportSize();
  return box !== null && view !== null && box.y >= 0 && box.y + box.height <= view.height;
}

async function ready(page: Page) {
  await page.goto("/");
  await expect(page.getByRole("button", { name: "Generate" })).toBeEnabled();
}

const prompt = (page: Page) => page.getByRole("textbox", { name: "Prompt", exact: true });
const seedField = (page: Page) => page.getByLabel("Seed", { exact: true });

test.describe("on a 390×844 phone", () => {
  test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

  test("the result frame is on screen within a second of pressing Generate", async ({ page }) => {
    await ready(page);
    await prompt(page).fill("a red star on a blue background");
    await page.getByLabel("Steps").fill("30");
    const result = page.getByRole("region", { name: "Result" });
    expect(await onScreen(page, result)).toBe(false);
    await page.getByRole("button", { name: "Generate" }).click();
    const pressed = Date.now();
    await expect.poll(() => onScreen(page, result), { timeout: 1000, intervals: [50] }).toBe(true);
    console.log(`result frame fully on screen ${Date.now() - pressed} ms after Generate`);
    await expect(page.getByRole("img", { name: /^Generated image/ })).toBeVisible();
  });

  test("in Inpaint mode Generate stays on screen below a tall source panel", async ({ page }) => {
    await ready(page);
    await page.getByRole("radio", { name: "Inpaint" }).check();
    await page.getByLabel("Choose a source image").setInputFiles({
      name: "tall.png",
      mimeType: "image/png",
      buffer: Buffer.from(encodePng(new Uint8Array(64 * 128 * 4).fill(200), 64, 128)),
    });
    await expect(page.getByRole("img", { name: "Source image" })).toBeVisible();
    await prompt(page).scrollIntoViewIfNeeded();
    expect(await onScreen(page, page.getByRole("button", { name: "Generate" }))).toBe(true);
  });
});

test("seeds are random unless given, and ♻ puts the last one back", async ({ page }) => {
  await ready(page);
  await expect(seedField(page)).toHaveValue("");
  await prompt(page).fill("a green circle on a white background");
  await page.getByLabel("Steps").fill("2");
  const generate = async () => {
    await page.getByRole("button", { name: "Generate" }).click();
    await expect(page.getByRole("button", { name: "Cancel" })).toBeDisabled();
    return Number(await page.getByRole("region", { name: "Result" }).locator("output").textContent());
  };
  const first = await generate();
  const second = await generate();
  expect(first).not.toBe(second);
  await page.getByRole("button", { name: "Reuse last seed" }).click();
  await expect(seedField(page)).toHaveValue(String(second));
  await page.getByRole("button", { name: "Random seed" }).click();
  await expect(seedField(page)).toHaveValue("");
  await seedField(page).fill("-1");
  await page.getByRole("button", { name: `Reuse seed ${second}` }).click();
  await expect(seedField(page)).toHaveValue(String(second));
});

test("settings and the last image come back after a reload", async ({ page }) => {
  await ready(page);
  await prompt(page).fill("a blue square on a white background");
  await page.getByRole("textbox", { name: "Negative prompt" }).fill("blurry");
  await page.getByLabel("Sampler").selectOption("DDIM");
  await page.getByLabel("Steps").fill("3");
  await seedField(page).fill("321");
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(page.getByRole("img", { name: "Generated image, seed 321" })).toBeVisible();

  await page.reload();
  await expect(page.getByRole("button", { name: "Generate" })).toBeEnabled();
  await expect(prompt(page)).toHaveValue("a blue square on a white background");
  await expect(page.getByRole("textbox", { name: "Negative prompt" })).toHaveValue("blurry");
  await expect(page.getByLabel("Sampler")).toHaveValue("DDIM");
  await expect(page.getByLabel("Steps")).toHaveValue("3");
  await expect(seedField(page)).toHaveValue("321");
  await expect(page.getByRole("img", { name: "Generated image, seed 321" })).toBeVisible();
});

test("jobs that had not run when the page closed are offered again", async ({ page }) => {
  await ready(page);
  await prompt(page).fill("a purple diamond on an orange background");
  await page.getByLabel("Steps").fill("150");
  await page.getByLabel("Width").fill("256");
  await page.getByLabel("Height").fill("256");
  await seedField(page).fill("40");
  await page.getByLabel("Batch count").fill("3");
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(page.getByText(/Step \d+\/150/)).toBeVisible();

  await page.reload();
  const offered = page.getByRole("region", { name: "Jobs from your last visit" });
  await expect(offered).toContainText("3 jobs had not run when the page closed");
  await expect(offered).toContainText("seed 41 · 150 steps · 256×256");
  await page.getByLabel("Steps").fill("2");
  await offered.getByRole("button", { name: "Discard" }).click();
  await expect(offered).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole("button", { name: "Generate" })).toBeEnabled();
  await expect(page.getByRole("region", { name: "Jobs from your last visit" })).toHaveCount(0);
});

test("a backend that cannot run says so beside the Backend field, in words, and the badge agrees", async ({ page }) => {
  await ready(page);
  await page.getByLabel("Backend").selectOption("webgpu");
  await expect(page.getByText(/Backend: none — WebGPU is not available here\./)).toBeVisible();
  await prompt(page).fill("a star");
  await page.getByRole("button", { name: "Generate" }).click();
  const alert = page.getByRole("alert").filter({ hasText: "WebGPU is not available here:" });
  await expect(alert).toBeVisible();
  await expect(page.getByRole("alert").filter({ hasText: /^WebGPU was requested, but/ })).toBeVisible();
  await expect(page.getByText(/GPUUnavailable|Web GPU/)).toHaveCount(0);
  await page.getByLabel("Backend").selectOption("wasm");
  await expect(page.getByText(/Backend: WASM/)).toBeVisible();
});

test("the model picker marks what this device cannot run, and an offline download stops at once naming the model", async ({ page, context }) => {
  await ready(page);
  await page.getByText("Models", { exact: true }).click();
  const turbo = page.getByRole("listitem").filter({ has: page.getByText("SD-Turbo", { exact: true }) });
  await expect(turbo).toContainText(
    /Cannot run on this device\. Needs WebGPU with half precision \(shader-f16\); here (no GPU adapter|this browser has no WebGPU)/,
  );
  await expect(turbo.getByRole("button", { name: "Use SD-Turbo" })).toBeDisabled();
  await expect(turbo.getByRole("button", { name: "Download SD-Turbo", exact: true })).toBeDisabled();
  const builtIn = page.getByRole("listitem").filter({ hasText: "Tiny Shapes XL" });
  await expect(builtIn.getByRole("button", { name: /^Use / })).toBeEnabled();

  await context.setOffline(true);
  const started = Date.now();
  await turbo.getByRole("button", { name: "Download SD-Turbo anyway" }).click();
  await expect(turbo).toContainText(
    /SD-Turbo: \S+ cannot be downloaded: this device is offline\. The download goes on by itself when the connection is back\./,
    {
      timeout: 5000,
    },
  );
  console.log(`offline download refused after ${Date.now() - started} ms`);
});

test("prompt help: the built-in model's words, the unknown ones, and a token counter that says what is cut", async ({ page }) => {
  await ready(page);
  await prompt(page).fill("a photorealistic astronaut riding a horse, 8k");
  await expect(page.getByText("This model does not know: photorealistic, astronaut, riding, horse, 8k. Those words are ignored.")).toBeVisible();
  await expect(page.getByText(/^This model knows only these 17 words: .*background.*\.$/)).toBeVisible();
  await expect(page.getByLabel("Tokens used").first()).toHaveText("8/75");

  await prompt(page).fill(Array.from({ length: 100 }, (_, i) => (i < 80 ? "red" : "blue")).join(" "));
  await expect(page.getByLabel("Tokens used").first()).toHaveText("100/75");
  await expect(page.getByText(/^Only the first 75 tokens reach the model; it never sees “red red red red red blue blue/)).toBeVisible();
});
