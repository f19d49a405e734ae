import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { encodePng } from "../src/png/encodePng";

/**
 * axe-core over every view the other specs visit, in light and dark: no serious or critical violation
 * of WCAG 2.2 A/AA (contrast, names, target sizes, landmarks…).
 */
async function expectNoSeriousViolations(page: Page, view: string) {
  const { violations } = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]).analyze();
  const serious = violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(serious, view).toEqual([]);
  const moderate = violations.filter((v) => v.impact === "moderate").map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(moderate, `${view}: moderate`).toEqual([]);
}

const sourcePng = () => {
  const rgba = new Uint8Array(64 * 64 * 4);
  for (let i = 0; i < 64 * 64; i++) rgba.set([40 + (i % 64) * 3, 80, 220, 255], i * 4);
  return { name: "source.png", mimeType: "image/png", buffer: Buffer.from(encodePng(rgba, 64, 64)) };
};

async function generate(page: Page, batch = 1) {
  await page.getByRole("textbox", { name: "Prompt", exact: true }).fill("a red star on a blue background");
  await page.getByLabel("Steps").fill("2");
  await page.getByLabel("Batch count").fill(String(batch));
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(page.getByRole("region", { name: "Gallery" }).getByRole("listitem")).toHaveCount(batch);
}

for (const scheme of ["light", "dark"] as const) {
  test.describe(`${scheme} theme`, () => {
    test.beforeEach(async ({ page }) => {
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto("/");
      await expect(page.getByRole("button", { name: "Generate" })).toBeEnabled();
    });

    test("the first view, a result with the recent strip, and the gallery's full-size view", async ({ page }) => {
      await expectNoSeriousViolations(page, "first view");
      await generate(page, 2);
      await expectNoSeriousViolations(page, "result and gallery");
      await page
        .getByRole("button", { name: /^Open full size/ })
        .first()
        .click();
      await expect(page.getByRole("dialog")).toBeVisible();
      await expectNoSeriousViolations(page, "full-size view");
    });

    test("the queue while a job runs, and the undo notice after a delete", async ({ page }) => {
      await page.getByLabel("Steps").fill("150");
      await page.getByLabel("Width").fill("256");
      await page.getByLabel("Height").fill("256");
      await page.getByLabel("Batch count").fill("2");
      await page.getByRole("button", { name: "Generate" }).click();
      await expect(page.getByRole("region", { name: /^Queue/ })).toBeVisible();
      await expectNoSeriousViolations(page, "queue");
      await page.getByRole("button", { name: "Clear queue" }).click();
      await page.getByRole("button", { name: "Cancel" }).click();
      await generate(page);
      await page.getByRole("region", { name: "Gallery" }).getByRole("button", { name: "Delete" }).click();
      await expect(page.getByRole("button", { name: "Undo" })).toBeVisible();
      await expectNoSeriousViolations(page, "undo notice");
    });

    test("img2img, inpaint and outpaint with a source", async ({ page }) => {
      for (const mode of ["Image to image", "Inpaint", "Outpaint"]) {
        await page.getByRole("radio", { name: mode }).check();
        if (mode === "Image to image") await page.getByLabel("Choose a source image").setInputFiles(sourcePng());
        if (mode === "Outpaint") await page.getByLabel("Extend right (px)").fill("32");
        await expect(page.getByRole("img", { name: "Source image" })).toBeVisible();
        await expectNoSeriousViolations(page, mode);
      }
    });

    test("the model picker and the embed panel, opened", async ({ page }) => {
      await page.getByText("Models", { exact: true }).click();
      await page.getByText("Embed this generator on your site").click();
      await expectNoSeriousViolations(page, "models and embed panels");
    });

    test("the phone layout", async ({ page }) => {
      await page.setViewportSize({ width: 390, height: 844 });
      await expectNoSeriousViolations(page, "phone");
    });

    test("the embed widget", async ({ page }) => {
      await page.goto("/embed.html");
      await expect(page.getByRole("button", { name: "Generate" })).toBeEnabled();
      await expectNoSeriousViolations(page, "embed widget");
    });
  });
}
