/**
 * How fast model weights come back from browser storage: reads N MB of random bytes back from IndexedDB
 * (our chunked layout, SHA-256 checked), OPFS and Cache Storage in headless Chromium (median of 3 reads
 * each). The memory a download takes is bench/downloadHeap.ts's.
 *
 * Run: npx tsx bench/cacheRead.ts [--mb 256]   (Chromium from CHROMIUM_PATH or /usr/bin/chromium)
 */
import { parseArgs } from "node:util";
import { openBenchPage } from "./benchPage";
import type * as PageBench from "./cacheReadPage";

const { values } = parseArgs({ options: { mb: { type: "string", default: "256" } } });
const totalMB = Number(values.mb);

const bench = await openBenchPage();
try {
  console.log(`Chromium ${bench.context.browser()?.version() ?? ""}, ${totalMB} MB of random bytes, disk profile, warm OS cache`);
  for (const name of ["indexedDbBench", "opfsBench", "cacheStorageBench"] as const) {
    const timing = await bench.page.evaluate(async ({ mod, name, totalMB }) => ((await import(mod)) as typeof PageBench)[name](totalMB), {
      mod: "/bench/cacheReadPage.ts",
      name,
      totalMB,
    });
    console.log(JSON.stringify(timing));
  }
} finally {
  await bench.close();
}
