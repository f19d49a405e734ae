import { readFileSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { encodePng } from "../src/png/encodePng";

/** Drops a file on the page as a user dragging it from their desktop would. */
async function dropFile(page: Page, name: string, bytes: Uint8Array, type = "image/png") {
  const dataTransfer = await page.evaluateHandle(
    ({ name, data, type }) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([Uint8Array.from(data)], name, { type }));
      return transfer;
    },
    { name, data: [...bytes], type },
  );
  await page.dispatchEvent("header", "dragenter", { dataTransfer });
  await page.dispatchEvent("header", "dragover", { dataTransfer });
  await page.dispatchEvent("header", "drop", { dataTransfer });
}

const pixels = new Uint8Array(64 * 64 * 4).fill(200);

/** The settings a PNG's parameters fill in, found by the form's labels. */
const formFields = (page: Page) => ({
  prompt: page.getByRole("textbox", { name: "Prompt", exact: true }),
  negativePrompt: page.getByRole("textbox", { name: "Negative prompt" }),
  steps: page.getByLabel("Steps"),
  guidance: page.getByLabel("Guidance (CFG)"),
  seed: page.getByLabel("Seed", { exact: true }),
  sampler: page.getByLabel("Sampler"),
});
type FormValues = Record<keyof ReturnType<typeof formFields>, string>;

/** Types the settings in as a user would. */
async function fillForm(page: Page, values: FormValues) {
  const fields = formFields(page);
  for (const key of ["prompt", "negativePrompt", "steps", "guidance", "seed"] as const) await fields[key].fill(values[key]);
  await fields.sampler.selectOption(values.sampler);
}

async function expectForm(page: Page, values: FormValues) {
  const fields = formFields(page);
  for (const key of Object.keys(values) as (keyof FormValues)[]) await expect(fields[key]).toHaveValue(values[key]);
}

test.beforeEach(async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("button", { name: "Generate" })).toBeEnabled();
});

test("dropping one of our PNGs fills the form with the settings it was made with", async ({ page }) => {
  const made: FormValues = {
    prompt: "a green triangle on a black background",
    negativePrompt: "blurry",
    steps: "3",
    guidance: "6.5",
    seed: "4242",
    sampler: "DPM++ 2M Karras",
  };
  await fillForm(page, made);
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(page.getByRole("img", { name: /^Generated image/ })).toBeVisible();
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download PNG" }).click();
  const png = new Uint8Array(readFileSync(await (await download).path()));

  await page.reload();
  // the reload keeps the form as it was: change it, so the drop has something to fill in
  await fillForm(page, { prompt: "something else", negativePrompt: "", steps: "20", guidance: "4", seed: "", sampler: "Euler" });
  await dropFile(page, "mine.png", png);
  await expect(page.getByRole("status").filter({ hasText: "Filled the form from “mine.png”." })).toBeVisible();
  await expectForm(page, made);
  await expect(page.getByLabel("Width")).toHaveValue("64");
  await expect(page.getByLabel("Height")).toHaveValue("64");
});

test("a PNG made by AUTOMATIC1111 fills the form, and says what does not fit this model", async ({ page }) => {
  const parameters = [
    "a lighthouse at dusk, oil painting",
    "Negative prompt: text, watermark",
    "Steps: 30, Sampler: Euler, Schedule type: Karras, CFG scale: 7, Seed: 987654321, Size: 512x768, Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Version: v1.10.1",
  ].join("\n");
  await dropFile(page, "00012-987654321.png", encodePng(pixels, 64, 64, { parameters }));
  await expect(page.getByRole("textbox", { name: "Prompt", exact: true })).toHaveValue("a lighthouse at dusk, oil painting");
  await expect(page.getByRole("textbox", { name: "Negative prompt" })).toHaveValue("text, watermark");
  await expect(page.getByLabel("Sampler")).toHaveValue("Euler Karras");
  await expect(page.getByLabel("Seed", { exact: true })).toHaveValue("987654321");
  await expect(page.getByLabel("Width")).toHaveValue("512");
  // This model only goes up to 256 pixels: the form says so at once.
  await expect(page.getByText(/Width must be from 64 to 256 pixels/)).toBeVisible();
});

test("broken or unsuitable files get a clear message and nothing breaks", async ({ page }) => {
  const good = encodePng(pixels, 64, 64, { parameters: "a cat\nSteps: 4, Sampler: Euler, CFG scale: 4, Seed: 1, Size: 64x64" });
  const alert = page.getByRole("region", { name: "Settings from a PNG" }).getByRole("alert");

  await dropFile(page, "cut.png", good.subarray(0, good.length - 40));
  await expect(alert).toHaveText(/^The PNG file is truncated/);

  await page
    .getByLabel("Read settings from a PNG")
    .setInputFiles({ name: "plain.png", mimeType: "image/png", buffer: Buffer.from(encodePng(pixels, 64, 64)) });
  await expect(alert).toHaveText("This PNG has no generation parameters.");

  await dropFile(page, "photo.jpg", Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70), "image/jpeg");
  await expect(alert).toHaveText("This file is not a PNG image.");

  // The form is untouched (a random seed, the built-in model's 20 steps), and the app still works.
  await expect(page.getByLabel("Seed", { exact: true })).toHaveValue("");
  await expect(page.getByLabel("Steps")).toHaveValue("20");
  await page.getByLabel("Steps").fill("2");
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(page.getByRole("img", { name: /^Generated image/ })).toBeVisible();
});
