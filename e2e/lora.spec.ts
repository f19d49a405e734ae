import { readFileSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { decodePng } from "../src/png/encodePng";
import { readGenerationInfo } from "../src/png/parameters";

/** A kohya LoRA for the built-in model (tools/lora/make_unit_fixtures.py) with one key the model lacks. */
const FIXTURES = "src/engine/lora/__fixtures__";
const LORA = {
  name: "tiny-shapes-style.safetensors",
  mimeType: "application/octet-stream",
  buffer: readFileSync(`${FIXTURES}/tiny-shapes-style.safetensors`),
};
const { addnetHash } = JSON.parse(readFileSync(`${FIXTURES}/tiny-shapes-style.json`, "utf8")) as { addnetHash: string };

async function generate(page: Page): Promise<Uint8Array> {
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(page.getByRole("img", { name: /^Generated image/ })).toBeVisible();
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download PNG" }).click();
  const png = new Uint8Array(readFileSync(await (await download).path()));
  return png;
}

test("a user adds a LoRA file, generates with it, sees what it could not apply, keeps its strength across a reload, and removes it", async ({
  page,
}) => {
  await page.goto("/");
  await expect(page.getByRole("button", { name: "Generate" })).toBeEnabled();
  await page.getByRole("textbox", { name: "Prompt", exact: true }).fill("a red star");
  await page.getByLabel("Seed", { exact: true }).fill("5");
  const plain = decodePng(await generate(page));

  await page.getByText("LoRA", { exact: true }).click();
  // a file that is not a LoRA is refused with the reason
  await page
    .getByLabel("Add LoRA files (.safetensors)")
    .setInputFiles({ name: "notes.safetensors", mimeType: "text/plain", buffer: Buffer.from("hello") });
  await expect(page.getByRole("alert")).toContainText("notes.safetensors is not a .safetensors file");

  await page.getByLabel("Add LoRA files (.safetensors)").setInputFiles(LORA);
  const list = page.getByRole("list", { name: "Stored LoRAs" });
  await expect(list.getByRole("listitem")).toHaveCount(1);
  await expect(list.getByRole("checkbox", { name: /tiny-shapes-style/ })).toBeChecked();

  const png = await generate(page);
  const info = readGenerationInfo(png);
  expect(info?.prompt).toBe("a red star <lora:tiny-shapes-style:1>");
  expect(info?.extra["Lora hashes"]).toBe(`tiny-shapes-style: ${addnetHash}`);
  const styled = decodePng(png);
  expect(styled.rgba.some((v, i) => Math.abs(v - plain.rgba[i]) > 8)).toBe(true);
  await expect(page.getByRole("note", { name: "LoRA warnings" })).toContainText("lora_unet_no_such_block_proj");

  // a strength chosen with the keyboard (two steps of 0.05 down)
  const strength = page.getByRole("slider", { name: "Strength of tiny-shapes-style" });
  await strength.focus();
  await page.keyboard.press("ArrowLeft");
  await page.keyboard.press("ArrowLeft");
  await expect(strength).toHaveValue("0.9");

  // after a reload the file is still stored, the panel opens on its own to show it, and the choice is kept
  await page.reload();
  await expect(page.getByRole("list", { name: "Stored LoRAs" }).getByRole("listitem")).toHaveCount(1);
  await expect(page.getByRole("checkbox", { name: /tiny-shapes-style/ })).toBeChecked();
  await expect(page.getByRole("slider", { name: "Strength of tiny-shapes-style" })).toHaveValue("0.9");
  await page.getByRole("button", { name: "Remove tiny-shapes-style" }).click();
  await expect(page.getByRole("list", { name: "Stored LoRAs" })).toHaveCount(0);
});
