import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, test } from "@playwright/test";
import { openBenchPage, type BenchPage } from "../bench/benchPage";
import { CATALOG } from "../src/models/catalog";
import { startHub, type Hub } from "./hub/server";
import type { ReferenceCase } from "../src/models/referenceCase";

/**
 * Every catalog hub model, as shipped, on its twin (random weights in the real repo's layout, tools/twins/) served by
 * a local hub, run in Chromium on onnxruntime-web's WASM backend: one case each, equal to diffusers' image within
 * 2/255 (the Node test, src/models/twins.test.ts, runs every case).
 */
const TWINS = fileURLToPath(new URL("../src/models/__fixtures__/twins", import.meta.url));
const ids = CATALOG.flatMap((e) => (e.kind === "hub" ? [e.manifest.id] : []));

test.describe("catalog models on their twins, in the browser", () => {
  let hub: Hub;
  let bench: BenchPage | undefined;
  test.beforeAll(async () => {
    hub = await startHub({ root: TWINS });
  });
  test.afterAll(() => hub.close());
  test.afterEach(async () => {
    await bench?.close();
    bench = undefined;
  });

  for (const id of ids) {
    test(`${id} gives diffusers' image`, async () => {
      test.setTimeout(240_000);
      const { cases } = JSON.parse(readFileSync(`${TWINS}/references/${id}.json`, "utf8")) as { cases: ReferenceCase[] };
      // the first one-step case: the cheapest that still runs every part
      const c = cases.find((x) => x.steps === 1) ?? cases[0];
      const query = new URLSearchParams({ hub: hub.url, model: id, case: JSON.stringify(c) });
      bench = await openBenchPage(`e2e/twins/twinPage.html?${query}`);
      await bench.page.waitForFunction(() => "twinResult" in window, undefined, { timeout: 200_000 });
      const result = await bench.page.evaluate(() => (window as unknown as { twinResult: object }).twinResult);
      expect(result).toEqual({ backend: "wasm", width: c.width, height: c.height, maxDifference: expect.any(Number) });
      expect((result as { maxDifference: number }).maxDifference).toBeLessThanOrEqual(2);
    });
  }
});
