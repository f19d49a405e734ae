import { readFileSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { decodePng, encodePng, type RgbaImage } from "../src/png/encodePng";
import { readGenerationInfo } from "../src/png/parameters";

const SIZE = 64;

/** A picture in the built-in model's world: a red disc and a yellow box on blue. */
function picture(width = SIZE, height = SIZE): RgbaImage {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const disc = (x - width * 0.3) ** 2 + (y - height * 0.35) ** 2 < (width * 0.18) ** 2;
      const box = x > width * 0.55 && x < width * 0.85 && y > height * 0.5 && y < height * 0.85;
      rgba.set([...(disc ? [220, 40, 40] : box ? [240, 220, 40] : [40, 80, 220]), 255], (y * width + x) * 4);
    }
  }
  return { width, height, rgba };
}

const pngFile = (img: RgbaImage, name = "source.png") => ({
  name,
  mimeType: "image/png",
  buffer: Buffer.from(encodePng(img.rgba, img.width, img.height)),
});

/** Largest channel difference between two images over the pixels `where` picks. */
function maxDiff(a: RgbaImage, b: RgbaImage, where: (x: number, y: number) => boolean, offsetX = 0): number {
  let max = 0;
  for (let y = 0; y < b.height; y++) {
    for (let x = 0; x < b.width; x++) {
      if (!where(x, y)) continue;
      for (let c = 0; c < 3; c++) max = Math.max(max, Math.abs(a.rgba[(y * a.width + x + offsetX) * 4 + c] - b.rgba[(y * b.width + x) * 4 + c]));
    }
  }
  return max;
}

async function chooseSource(page: Page, mode: string, img: RgbaImage) {
  await page.getByRole("radio", { name: mode }).check();
  await page.getByLabel("Choose a source image").setInputFiles(pngFile(img));
  await expect(page.getByRole("img", { name: "Source image" })).toBeVisible();
}

/** The PNG on show in the result frame, as the user downloads it. */
async function downloadShown(page: Page): Promise<Uint8Array> {
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download PNG" }).click();
  return new Uint8Array(readFileSync(await (await download).path()));
}

async function generateAndDownload(page: Page): Promise<Uint8Array> {
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(page.getByRole("img", { name: /^Generated image/ })).toBeVisible();
  return downloadShown(page);
}

test.beforeEach(async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("button", { name: "Generate" })).toBeEnabled();
  await page.getByRole("textbox", { name: "Prompt", exact: true }).fill("a green star on a white background");
  await page.getByLabel("Seed", { exact: true }).fill("11");
});

test("a user paints a mask with the mouse and inpaints: only the painted part changes", async ({ page }) => {
  const source = picture();
  await chooseSource(page, "Inpaint", source);
  await page.getByLabel("Steps").fill("8");

  // Generating before painting says what is missing.
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(page.getByText("Paint over the part of the image to regenerate.")).toBeVisible();

  // A 16 px brush dragged across the middle of the left half.
  const mask = page.getByRole("img", { name: "Inpainting mask" });
  // pressing Generate scrolled the page; the mouse works in viewport coordinates
  await mask.scrollIntoViewIfNeeded();
  const box = (await mask.boundingBox())!;
  const at = (fx: number, fy: number) => [box.x + box.width * fx, box.y + box.height * fy] as const;
  await page.mouse.move(...at(0.2, 0.45));
  await page.mouse.down();
  await page.mouse.move(...at(0.45, 0.45), { steps: 8 });
  await page.mouse.up();

  const png = await generateAndDownload(page);
  const result = decodePng(png);
  expect([result.width, result.height]).toEqual([SIZE, SIZE]);
  // Far from the stroke (beyond the latent cells it touches and the mask blur) every pixel is the source's.
  expect(maxDiff(result, source, (x, y) => x >= 52 || y <= 8 || y >= 54)).toBe(0);
  // Under the stroke the image was regenerated.
  expect(maxDiff(result, source, (x, y) => x >= 14 && x <= 26 && y >= 26 && y <= 32)).toBeGreaterThan(16);

  const info = readGenerationInfo(png);
  expect(info.denoisingStrength).toBe(0.75);
  expect(info.extra["Mask blur"]).toBe("4");
});

test("a user outpaints 64 px to the right: the image grows by 64 px and keeps its left part", async ({ page }) => {
  const source = picture();
  await chooseSource(page, "Outpaint", source);
  await page.getByLabel("Steps").fill("6");
  await page.getByLabel("Extend right (px)").fill("64");
  await expect(page.getByText("Result: 128×64 pixels", { exact: false })).toBeVisible();
  // the preview marks the 8 px band of the source that is repainted along the new edge
  await expect(page.getByLabel("Seam (px)")).toHaveValue("8");
  await expect(page.getByRole("img", { name: "Seam: 8 px of the source repainted along the right edge" })).toBeVisible();

  const result = decodePng(await generateAndDownload(page));
  expect([result.width, result.height]).toEqual([SIZE + 64, SIZE]);
  // The new area is blended 8 px into the source, then feathered by the mask blur; left of that nothing moves.
  expect(maxDiff(result, source, (x) => x < SIZE - 8 - 8 - 1)).toBe(0);
  await expect(page.getByRole("img", { name: /^Generated image/ })).toHaveAttribute("width", "128");

  // With no seam, every source pixel stays (only the mask blur's feathering reaches past the edge).
  await page.getByLabel("Seam (px)").fill("0");
  await expect(page.getByRole("img", { name: /^Seam:/ })).toHaveCount(0);
  const kept = decodePng(await generateAndDownload(page));
  expect(maxDiff(kept, source, (x) => x < SIZE - 8 - 1)).toBe(0);

  // Past the model's largest size the form says so instead of queuing.
  await page.getByLabel("Extend left (px)").fill("160");
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(page.getByText("Outpainting would make the image 288×64, but this model makes at most 256×256 pixels: extend by less.")).toBeVisible();
  await expect(page.getByRole("region", { name: /^Queue/ })).toHaveCount(0);
});

test("img2img at strength 0.3 runs 3 of 10 steps; too low a strength shows the engine's error", async ({ page }) => {
  await chooseSource(page, "Image to image", picture());
  await page.getByLabel("Steps").fill("10");
  await page.getByLabel("Denoising strength").fill("0.3");
  await expect(page.getByText("Runs 3 of 10 steps.")).toBeVisible();

  // Record the status line as the page shows it.
  await page.evaluate(() => {
    const w = window as unknown as { statuses: string[] };
    w.statuses = [];
    const line = document.querySelector(".progress .status-line")!;
    new MutationObserver(() => w.statuses.push(line.textContent ?? "")).observe(line, { subtree: true, childList: true, characterData: true });
  });
  await generateAndDownload(page);
  const statuses = await page.evaluate(() => (window as unknown as { statuses: string[] }).statuses);
  const steps = statuses.filter((s) => s.startsWith("Step"));
  expect(steps).toContain("Step 3/3");
  expect(steps.every((s) => s.endsWith("/3"))).toBe(true);
  await expect(page.getByRole("progressbar")).toHaveAttribute("max", "3");
  await expect(page.getByRole("progressbar")).toHaveAttribute("value", "3");
  const info = readGenerationInfo(await downloadShown(page));
  expect([info.steps, info.denoisingStrength]).toEqual([10, 0.3]);

  // 10 × 0.05 rounds down to no step at all: the engine refuses with a message that says what to do.
  await page.getByLabel("Denoising strength").fill("0.05");
  await page.getByRole("button", { name: "Generate" }).click();
  const error = page.getByRole("region", { name: "Result" }).getByRole("alert");
  await expect(error).toContainText("With 10 steps a denoising strength of 0.05 runs no step at all");
  await expect(error).toContainText("use strength ≥ 0.10 or more steps");
});

test("a generated image goes to img2img from the result and from the gallery", async ({ page }) => {
  await page.getByLabel("Steps").fill("2");
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(page.getByRole("img", { name: /^Generated image/ })).toBeVisible();
  await page.getByRole("region", { name: "Result" }).getByRole("button", { name: "Send to img2img" }).click();
  await expect(page.getByRole("radio", { name: "Image to image" })).toBeChecked();
  await expect(page.getByRole("img", { name: "Source image" })).toBeVisible();

  await page.getByRole("radio", { name: "Text to image" }).check();
  await expect(page.getByRole("img", { name: "Source image" })).toHaveCount(0);
  const gallery = page.getByRole("region", { name: "Gallery" });
  await gallery.getByRole("button", { name: "Send to img2img" }).click();
  await expect(page.getByRole("radio", { name: "Image to image" })).toBeChecked();
  await expect(page.getByRole("img", { name: "Source image" })).toBeVisible();
});

test("files that are not usable images are refused with a clear message", async ({ page }) => {
  await page.getByRole("radio", { name: "Image to image" }).check();
  const input = page.getByLabel("Choose a source image");
  await input.setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("not an image") });
  await expect(page.getByRole("alert")).toContainText("“notes.txt” is not an image this browser can read.");
  await input.setInputFiles(pngFile(picture(5000, 1), "panorama.png"));
  await expect(page.getByRole("alert")).toContainText("“panorama.png” is too large to edit (5000×1 pixels; at most 4096 on a side)");
  await expect(page.getByRole("img", { name: "Source image" })).toHaveCount(0);

  // A source of another size than the model makes shows the resize choice.
  await input.setInputFiles(pngFile(picture(100, 80), "odd.png"));
  await expect(page.getByRole("group", { name: "Resize mode" })).toContainText("The source is 100×80; it is brought to 96×80.");
  await page.getByRole("radio", { name: "Pad to fit" }).check();
  await expect(page.getByLabel("Width")).toHaveValue("96");
});

test("a keyboard user paints the mask: a rectangle moved with arrows, sized with Shift+arrows, filled with Enter", async ({ page }) => {
  await chooseSource(page, "Inpaint", picture());
  const rectangle = page.getByRole("application", { name: /^Mask rectangle/ });
  await rectangle.focus();
  await expect(rectangle).toHaveAccessibleName("Mask rectangle at 24, 24, 16×16 px");
  await page.keyboard.press("ArrowLeft");
  await page.keyboard.press("Shift+ArrowRight");
  await page.keyboard.press("Shift+ArrowDown");
  await expect(rectangle).toHaveAccessibleName("Mask rectangle at 20, 24, 20×20 px");
  await page.keyboard.press("Enter");
  // the mask overlay now covers exactly those 400 pixels
  const painted = await page.getByRole("img", { name: "Inpainting mask" }).evaluate((canvas: HTMLCanvasElement) => {
    const { data } = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height);
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
    return n;
  });
  expect(painted).toBe(400);
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(page.getByText("Paint over the part of the image to regenerate.")).toHaveCount(0);
  await expect(page.getByRole("img", { name: /^Generated image/ })).toBeVisible();
});
