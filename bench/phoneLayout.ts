/**
 * Where the image and the Generate button are for a phone user (390×844, Debian Chromium, the app from Vite's
 * dev server on port 5198): how far down the page the result starts, how long after pressing Generate the
 * result frame is fully on screen, and whether Generate is on screen in Inpaint mode below a tall source.
 *
 *   npx tsx bench/phoneLayout.ts [--runs 3]
 */
import { chromium, type Page } from "@playwright/test";
import { parseArgs } from "node:util";
import { createServer } from "vite";
import { encodePng } from "../src/png/encodePng";

const { values } = parseArgs({ options: { runs: { type: "string", default: "3" } } });
const PORT = 5198;
const VIEWPORT = { width: 390, height: 844 };

async function onScreen(page: Page, name: string, role: "region" | "button"): Promise<boolean> {
  const box = await page.getByRole(role, { name, exact: true }).boundingBox();
  return box !== null && box.y >= 0 && box.y + box.height <= VIEWPORT.height;
}

async function measure(page: Page) {
  await page.goto(`http://localhost:${PORT}/`);
  const generate = page.getByRole("button", { name: "Generate", exact: true });
  await generate.waitFor();
  await page.waitForFunction(() => !document.querySelector<HTMLButtonElement>("button[form]")?.disabled);
  const resultTop = await page.evaluate(() => document.querySelector("section[aria-label=Result]")!.getBoundingClientRect().top + scrollY);
  await page.getByRole("textbox", { name: "Prompt", exact: true }).fill("a red star on a blue background");
  await generate.click();
  const pressed = performance.now();
  while (!(await onScreen(page, "Result", "region")) && performance.now() - pressed < 5000) await page.waitForTimeout(20);
  const resultVisibleMs = performance.now() - pressed;

  await page.getByRole("radio", { name: "Inpaint" }).check();
  await page.getByLabel("Choose a source image").setInputFiles({
    name: "tall.png",
    mimeType: "image/png",
    buffer: Buffer.from(encodePng(new Uint8Array(64 * 128 * 4).fill(200), 64, 128)),
  });
  await page.getByRole("img", { name: "Source image" }).waitFor();
  await page.getByRole("textbox", { name: "Prompt", exact: true }).scrollIntoViewIfNeeded();
  const generateInpaintOnScreen = await onScreen(page, "Generate", "button");
  const generateInpaintTop = await page.evaluate(() => document.querySelector("button[form]")!.getBoundingClientRect().top);
  return {
    resultTop: Math.round(resultTop),
    resultVisibleMs: Math.round(resultVisibleMs),
    generateInpaintOnScreen,
    generateInpaintTop: Math.round(generateInpaintTop),
  };
}

const server = await createServer({ configFile: "vite.config.ts", server: { port: PORT, strictPort: true }, logLevel: "error" });
await server.listen();
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
try {
  for (let run = 0; run < Number(values.runs); run++) {
    const context = await browser.newContext({ viewport: VIEWPORT, isMobile: true, hasTouch: true });
    console.log(JSON.stringify({ run, ...(await measure(await context.newPage())) }));
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
}
