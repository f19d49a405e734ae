import { expect, test, type Page } from "@playwright/test";
import { encodePng } from "../src/png/encodePng";

/** A plain 64×64 PNG file for the source picker. */
function sourcePng(name: string) {
  const rgba = new Uint8Array(64 * 64 * 4).fill(200);
  return { name, mimeType: "image/png", buffer: Buffer.from(encodePng(rgba, 64, 64)) };
}

const background = (page: Page) => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
/** Relative luminance (WCAG) of a CSS rgb() colour. */
const luminance = (css: string) => {
  const [r, g, b] = (css.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((c) => {
    const s = Number(c) / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};

test("the page follows a dark system preference, and the theme picker overrides it across visits", async ({ page }) => {
  await page.emulateMedia({ colorScheme: "dark" });
  await page.goto("/");
  expect(luminance(await background(page))).toBeLessThan(0.05);
  const theme = page.getByRole("combobox", { name: "Theme" });
  await expect(theme).toHaveValue("system");

  await theme.selectOption({ label: "Light" });
  expect(luminance(await background(page))).toBeGreaterThan(0.8);
  await page.reload();
  await expect(page.getByRole("combobox", { name: "Theme" })).toHaveValue("light");
  expect(luminance(await background(page))).toBeGreaterThan(0.8);

  await page.emulateMedia({ colorScheme: "light" });
  await page.getByRole("combobox", { name: "Theme" }).selectOption({ label: "Dark" });
  expect(luminance(await background(page))).toBeLessThan(0.05);
});

test("select boxes show their whole choice", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("button", { name: "Generate" })).toBeEnabled();
  for (const select of await page.getByRole("combobox").all()) {
    // the chosen option's text, set in the select's own font, must fit inside its padding and arrow
    const [needed, room] = await select.evaluate((el: HTMLSelectElement) => {
      const style = getComputedStyle(el);
      const ctx = document.createElement("canvas").getContext("2d")!;
      ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      const longest = Math.max(...[...el.options].map((o) => ctx.measureText(o.text).width));
      return [longest + 24, el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)];
    });
    expect(needed, `${await select.getAttribute("id")}`).toBeLessThanOrEqual(room);
  }
});

test("a 64×64 result is drawn at a whole-number scale with crisp pixels", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("button", { name: "Generate" })).toBeEnabled();
  await page.getByLabel("Steps").fill("2");
  await page.getByRole("button", { name: "Generate" }).click();
  const image = page.getByRole("img", { name: /^Generated image/ });
  await expect(image).toBeVisible();
  const [width, height, rendering] = await image.evaluate((img) => {
    const box = img.getBoundingClientRect();
    return [box.width, box.height, getComputedStyle(img).imageRendering];
  });
  expect(rendering).toBe("pixelated");
  expect(width % 64).toBe(0);
  expect(width / 64).toBeGreaterThanOrEqual(2);
  expect(height).toBe(width);
});

test("the source picker says which image is loaded", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("radio", { name: "Image to image" }).check();
  await expect(page.getByText("No image loaded yet.")).toBeVisible();
  await page.getByLabel("Choose a source image").setInputFiles(sourcePng("holiday.png"));
  await expect(page.getByText("Loaded: holiday.png (64×64)")).toBeVisible();
  await expect(page.getByText("No file chosen")).toHaveCount(0);
});

test("at 390 px wide nothing scrolls sideways and every mode tab is on screen", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto("/");
  await expect(page.getByRole("button", { name: "Generate" })).toBeEnabled();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  for (const name of ["Text to image", "Image to image", "Inpaint", "Outpaint"]) {
    const box = (await page.getByRole("group", { name: "Mode" }).getByText(name, { exact: true }).boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(390);
  }
});

test("a skip link leads keyboard users past the header to the prompt form", async ({ page }) => {
  await page.goto("/");
  // a user presses Tab once the page is there (the app renders after its saved settings are read)
  await expect(page.getByRole("button", { name: "Generate" })).toBeEnabled();
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to the prompt" });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await page.keyboard.press("Enter");
  await page.keyboard.press("Tab");
  await expect(page.getByRole("radio").first()).toBeFocused();
});

test("once the service worker has cached the app, the page says it works offline", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("status").filter({ hasText: "Ready to work offline." })).toBeVisible();
});
