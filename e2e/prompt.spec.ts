import { readFileSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { decodePng } from "../src/png/encodePng";
import { readGenerationInfo } from "../src/png/parameters";

async function generate(page: Page, prompt: string, syntax: RegExp): Promise<Buffer> {
  await page.getByRole("textbox", { name: "Prompt", exact: true }).fill(prompt);
  await page.getByLabel("Seed", { exact: true }).fill("5");
  await page.getByLabel("Steps").fill("2");
  await page.getByRole("combobox", { name: "Prompt syntax" }).selectOption({ label: await optionLabel(page, syntax) });
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(page.getByRole("img", { name: /^Generated image/ })).toBeVisible();
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download PNG" }).click();
  return readFileSync(await (await download).path());
}

async function optionLabel(page: Page, pattern: RegExp): Promise<string> {
  const labels = await page.getByRole("combobox", { name: "Prompt syntax" }).getByRole("option").allTextContents();
  const found = labels.find((l) => pattern.test(l));
  if (!found) throw new Error(`no prompt syntax option matches ${pattern} in ${labels.join(", ")}`);
  return found;
}

const pixels = (png: Buffer) => Buffer.from(decodePng(new Uint8Array(png)).rgba);
const LONG = Array(12).fill("a (red:1.2) star on a [blue] background").join(", ");

test.beforeEach(async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("button", { name: "Generate" })).toBeEnabled();
});

test("A1111 syntax is the default; a prompt without brackets gives the same image in both syntaxes, a weighted one does not", async ({ page }) => {
  await expect(page.getByRole("combobox", { name: "Prompt syntax" })).toHaveValue("A1111");
  const plainText = pixels(await generate(page, "a red star on a blue background", /^A1111/));
  expect(pixels(await generate(page, "a red star on a blue background", /^Plain/)).equals(plainText)).toBe(true);
  const weighted = "a (red:1.4) star on a [blue] background";
  const a1111 = pixels(await generate(page, weighted, /^A1111/));
  expect(pixels(await generate(page, weighted, /^Plain/)).equals(a1111)).toBe(false);
  await expect(page.getByRole("list", { name: "Warnings" })).toHaveCount(0);
});

test("a prompt longer than the built-in model's 77 tokens is cut, the result says so, and the PNG keeps the prompt as typed", async ({ page }) => {
  const png = await generate(page, LONG, /^A1111/);
  const warnings = page.getByRole("list", { name: "Warnings" });
  await expect(warnings).toContainText(/The prompt has \d+ tokens, but this model's U-Net has a fixed text length of 75 prompt tokens/);
  expect(readGenerationInfo(new Uint8Array(png)).prompt).toBe(LONG);
  await generate(page, LONG, /^Plain/);
  await expect(warnings).toContainText(/plain prompts are cut at 75 tokens/);
});
