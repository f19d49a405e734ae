import { fileURLToPath } from "node:url";
import { expect, test, type Locator, type Page } from "@playwright/test";
import { startHub, tinyShapesXlRepos, type Hub } from "./hub/server";

const XL = fileURLToPath(new URL("../public/models/tiny-shapes-xl", import.meta.url));

const row = (page: Page, name: string): Locator => page.getByRole("listitem").filter({ has: page.getByText(name, { exact: true }) });

async function generate(page: Page, steps: number) {
  await page.getByRole("textbox", { name: "Prompt", exact: true }).fill("a white circle on a red background");
  await page.getByLabel("Steps").fill(String(steps));
  await page.getByRole("button", { name: "Generate" }).click();
}

test("a user picks the built-in SDXL-style model and generates with it, in fp32 and with the 4-bit U-Net", async ({ page }) => {
  await page.goto("/");
  await page.getByText("Models", { exact: true }).click();
  await row(page, "Tiny Shapes XL (built-in)").getByRole("button", { name: "Use Tiny Shapes XL (built-in)" }).click();
  await page.getByLabel("Seed", { exact: true }).fill("101");
  await generate(page, 6);
  await expect(page.getByRole("img", { name: "Generated image, seed 101" })).toBeVisible();

  await page.getByLabel("Weights").selectOption({ label: "4-bit U-Net" });
  await page.getByLabel("Seed", { exact: true }).fill("202");
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(page.getByRole("img", { name: "Generated image, seed 202" })).toBeVisible();
  await expect(page.getByRole("alert")).toHaveCount(0);
});

test.describe("SDXL-Turbo from a hub", () => {
  let hub: Hub;
  test.beforeEach(async () => {
    hub = await startHub({ root: XL, repos: tinyShapesXlRepos(XL) });
  });
  test.afterEach(() => hub.close());

  test("says up front why it cannot run without shader-f16, and still downloads in webnn/sdxl-turbo's layout when asked", async ({ page }) => {
    await page.goto(`/?hub=${encodeURIComponent(hub.url)}`);
    await page.getByText("Models", { exact: true }).click();
    const name = "SDXL-Turbo (4-bit)";
    // this browser has no shader-f16: the picker says so before anything is downloaded
    await expect(row(page, name)).toContainText("Cannot run on this device. Needs WebGPU with half precision (shader-f16)");
    await expect(row(page, name).getByRole("button", { name: `Download ${name}`, exact: true })).toBeDisabled();
    await row(page, name)
      .getByRole("button", { name: `Download ${name} anyway` })
      .click();
    await expect(row(page, name)).toContainText("Downloaded ·", { timeout: 90_000 });
    const paths = hub.requests().map((r) => r.path);
    expect(paths.filter((p) => p.startsWith("/webnn/sdxl-turbo/")).map((p) => p.split("/resolve/main/")[1])).toEqual(
      expect.arrayContaining([
        "onnx/text_encoder_model_q4f16.onnx",
        "onnx/text_encoder_2_model_q4f16.onnx",
        "onnx/unet_model_q4f16.onnx",
        "onnx/vae_decoder_model_q4f16.onnx",
      ]),
    );
    expect(paths.filter((p) => p.startsWith("/stabilityai/sdxl-turbo/")).map((p) => p.split("/resolve/main/")[1])).toEqual(
      expect.arrayContaining(["tokenizer/vocab.json", "tokenizer_2/merges.txt"]),
    );
    await expect(row(page, name).getByRole("button", { name: `Use ${name}` })).toBeDisabled();
  });

  test("an SDXL repo without model.json is described from its diffusers configs, and generates", async ({ page }) => {
    await page.goto(`/?hub=${encodeURIComponent(hub.url)}`);
    await page.getByText("Models", { exact: true }).click();
    const name = "test/tiny-shapes-xl-diffusers";
    await page.getByLabel("Custom model").fill(`${hub.url}/${name}`);
    await page.getByRole("button", { name: "Add model" }).click();
    await expect(row(page, name)).toContainText("Download: fp32");
    await row(page, name)
      .getByRole("button", { name: `Download ${name}`, exact: true })
      .click();
    await expect(row(page, name)).toContainText("Downloaded ·", { timeout: 90_000 });
    await row(page, name)
      .getByRole("button", { name: `Use ${name}` })
      .click();
    await page.getByLabel("Seed", { exact: true }).fill("303");
    await generate(page, 2);
    await expect(page.getByRole("img", { name: "Generated image, seed 303" })).toBeVisible();
    await expect(page.getByRole("alert")).toHaveCount(0);
  });
});
