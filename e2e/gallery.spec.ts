import { readFileSync } from "node:fs";
import { expect, test, type Locator, type Page } from "@playwright/test";
import { unzipSync } from "fflate";
import { readGenerationInfo } from "../src/png/parameters";

const gallery = (page: Page) => page.getByRole("region", { name: "Gallery" });
const card = (page: Page, seed: number) =>
  gallery(page)
    .getByRole("listitem")
    .filter({ hasText: `seed ${seed} ·` });

/** The storage figure, in bytes, as the gallery shows it ("Storage used: 24.1 kB"). */
async function storageUsed(region: Locator): Promise<number> {
  const text = (await region.getByText(/Storage used/).textContent()) ?? "";
  const match = /Storage used: ([\d.]+) (B|kB|MB)/.exec(text);
  if (!match) throw new Error(`no storage figure in "${text}"`);
  const unit: Record<string, number> = { B: 1, kB: 1e3, MB: 1e6 };
  return Number(match[1]) * unit[match[2]];
}

async function generateBatch(page: Page, prompt: string, seed: number, count: number) {
  await page.getByRole("textbox", { name: "Prompt", exact: true }).fill(prompt);
  await page.getByLabel("Steps").fill("2");
  await page.getByLabel("Seed", { exact: true }).fill(String(seed));
  await page.getByLabel("Batch count").fill(String(count));
  await page.getByRole("button", { name: "Generate" }).click();
}

test.beforeEach(async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("button", { name: "Generate" })).toBeEnabled();
});

test("images stay in the gallery across visits, with their parameters; deleting one frees storage", async ({ page }) => {
  await generateBatch(page, "a blue square on a white background", 300, 3);
  await expect(gallery(page).getByRole("listitem")).toHaveCount(3);

  await page.reload();
  await expect(gallery(page).getByRole("listitem")).toHaveCount(3);
  await expect(gallery(page).getByText("3 images")).toBeVisible();
  for (const seed of [300, 301, 302]) {
    await expect(card(page, seed)).toContainText("a blue square on a white background");
    await expect(card(page, seed)).toContainText(`seed ${seed} · 2 steps · Euler · CFG 4 · 64×64`);
  }
  const before = await storageUsed(gallery(page));
  expect(before).toBeGreaterThan(0);

  // Delete hides the image at once and offers Undo; storage is freed when the undo time is up.
  await card(page, 301).getByRole("button", { name: "Delete" }).click();
  await expect(gallery(page).getByRole("listitem")).toHaveCount(2);
  await expect(gallery(page).getByText("2 images")).toBeVisible();
  await gallery(page).getByRole("status").getByRole("button", { name: "Undo" }).click();
  await expect(gallery(page).getByRole("listitem")).toHaveCount(3);
  await expect(card(page, 301)).toBeVisible();
  await card(page, 301).getByRole("button", { name: "Delete" }).click();
  await expect(gallery(page).getByRole("status")).toHaveText(/Image deleted \(seed 301\)/);
  await expect(gallery(page).getByRole("status")).toBeEmpty({ timeout: 10_000 });
  await expect(gallery(page).getByRole("listitem")).toHaveCount(2);
  expect(await storageUsed(gallery(page))).toBeLessThan(before);
  await page.reload();
  await expect(gallery(page).getByRole("listitem")).toHaveCount(2);

  // "Use these settings" puts an image's settings back in the form.
  await page.getByLabel("Steps").fill("9");
  await card(page, 302).getByRole("button", { name: "Use these settings" }).click();
  await expect(page.getByLabel("Seed", { exact: true })).toHaveValue("302");
  await expect(page.getByLabel("Steps")).toHaveValue("2");

  // "Download all": one ZIP with every remaining image as a PNG that keeps its parameters.
  const download = page.waitForEvent("download");
  await gallery(page).getByRole("button", { name: "Download all" }).click();
  const zip = unzipSync(new Uint8Array(readFileSync(await (await download).path())));
  const seeds = Object.values(zip).map((png) => readGenerationInfo(png).seed);
  expect(seeds.sort()).toEqual([300, 302]);
});

test("the gallery pages through many images, newest first", async ({ page }) => {
  await generateBatch(page, "a yellow star", 700, 1);
  await expect(gallery(page).getByRole("listitem")).toHaveCount(1);
  // Hundreds of generations would take minutes, so copies of the stored image stand in for them.
  await page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open("gallery");
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const tx = db.transaction("images", "readwrite");
    const store = tx.objectStore("images");
    const records = await new Promise<{ key: IDBValidKey; value: { id: string; createdAt: number; params: { seed: number } } }[]>((resolve) => {
      const out: { key: IDBValidKey; value: { id: string; createdAt: number; params: { seed: number } } }[] = [];
      const cursor = store.openCursor(IDBKeyRange.bound(["meta"], ["meta", []]));
      cursor.onsuccess = () => {
        if (!cursor.result) return resolve(out);
        out.push({ key: cursor.result.key, value: cursor.result.value });
        cursor.result.continue();
      };
    });
    const original = records[0].value;
    const png = await new Promise<Blob>((resolve) => {
      const get = store.get(["png", original.id]);
      get.onsuccess = () => resolve(get.result);
    });
    for (let i = 1; i <= 30; i++) {
      const id = `copy-${i}`;
      const createdAt = original.createdAt - i;
      store.put({ ...original, id, createdAt, params: { ...original.params, seed: 700 + i } }, ["meta", createdAt, id]);
      store.put(png, ["png", id]);
    }
    await new Promise((resolve) => (tx.oncomplete = resolve));
    db.close();
  });
  await page.reload();
  await expect(gallery(page).getByText("31 images")).toBeVisible();
  await expect(gallery(page).getByRole("listitem")).toHaveCount(24);
  await expect(gallery(page).getByText("Page 1 of 2")).toBeVisible();
  await expect(gallery(page).getByRole("listitem").first()).toContainText("seed 700 ·");
  await gallery(page).getByRole("button", { name: "Older" }).click();
  await expect(gallery(page).getByRole("listitem")).toHaveCount(7);
  await expect(gallery(page).getByRole("listitem").last()).toContainText("seed 730 ·");
  await gallery(page).getByRole("button", { name: "Newer" }).click();
  await expect(gallery(page).getByRole("listitem")).toHaveCount(24);
});

test("a gallery image opens full size; ← and → step through the images, Escape closes", async ({ page }) => {
  await generateBatch(page, "a green triangle", 400, 3);
  await expect(gallery(page).getByRole("listitem")).toHaveCount(3);
  await card(page, 401).getByRole("button", { name: "Open full size: seed 401" }).click();
  const dialog = page.getByRole("dialog", { name: /seed 401/ });
  await expect(dialog).toBeVisible();
  // the 64×64 PNG, drawn at a whole-number scale with crisp pixels
  const full = dialog.getByRole("img", { name: "Full size, seed 401" });
  await expect(full).toHaveJSProperty("naturalWidth", 64);
  const scale = Number(await full.getAttribute("data-scale"));
  expect(scale).toBeGreaterThanOrEqual(2);
  expect(await full.evaluate((img) => [img.getBoundingClientRect().width, getComputedStyle(img).imageRendering])).toEqual([64 * scale, "pixelated"]);

  await page.keyboard.press("ArrowRight");
  await expect(page.getByRole("dialog", { name: /Image 3 of 3 · seed 400/ })).toBeVisible();
  await expect(page.getByRole("button", { name: "Next" })).toBeDisabled();
  await page.keyboard.press("ArrowLeft");
  await page.keyboard.press("ArrowLeft");
  await expect(page.getByRole("dialog", { name: /Image 1 of 3 · seed 402/ })).toBeVisible();
  // Escape closes the dialog and nothing else; focus goes back to the thumbnail
  await page.keyboard.press("Escape");
  await expect(page.getByRole("dialog")).toHaveCount(0);
  await expect(card(page, 401).getByRole("button", { name: "Open full size: seed 401" })).toBeFocused();
});
