/**
 * LoRA patch time and peak extra memory: a 144 MB SD 1.5-shaped kohya LoRA (rank 128, float16, U-Net and text
 * encoder modules) applied to a 1.7 GB float16 U-Net-shaped initializer set (synthetic bytes,
 * bench/loraSynthetic.ts), in Node (onnxruntime-node's CPU provider; peak extra = JS heap + ArrayBuffers sampled
 * after each weight is patched, over the inputs') and in headless Chromium (onnxruntime-web's WASM provider, as the worker uses it; peak extra =
 * JS heap + ArrayBuffers sampled through CDP over the idle page with its inputs built).
 *
 * Run: NODE_OPTIONS=--expose-gc npx tsx bench/loraPatch.ts [--where node|browser|both] [--unet-mb 1700] [--rank 128] [--adder ort|js]
 * (cpuMs: the Node process's CPU time during the patch, all threads; on a loaded machine wall time is far above it)
 */
import { parseArgs } from "node:util";
import * as ort from "onnxruntime-node";
import { ortLowRankAdder } from "../src/engine/lora/ortKernel";
import { jsLowRankAdder } from "../src/engine/lora/patch";
import { openBenchPage, withHeapPeak } from "./benchPage";
import { buildInputs, patch } from "./loraPatchRun";
import type * as PageBench from "./loraPatchPage";

const { values } = parseArgs({
  options: {
    where: { type: "string", default: "both" },
    "unet-mb": { type: "string", default: "1700" },
    rank: { type: "string", default: "128" },
    adder: { type: "string", default: "ort" },
  },
});
const unetMB = Number(values["unet-mb"]);
const rank = Number(values.rank);
const MB = 2 ** 20;

if (values.where !== "browser") {
  const inputs = buildInputs(unetMB, rank);
  // the build's own garbage (the protobuf writer's parts) must not count; backing stores go on later GCs
  for (let i = 0; i < 3; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((r) => setTimeout(r, 200));
  }
  // JS heap plus ArrayBuffers, as the browser half measures (RSS would hide reuse of the build's freed pages)
  const used = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const before = used();
  let peak = before;
  const adder = values.adder === "js" ? jsLowRankAdder : ortLowRankAdder(ort, "cpu");
  const cpu = process.cpuUsage();
  const timing = await patch(inputs, adder, () => (peak = Math.max(peak, used())));
  const { user, system } = process.cpuUsage(cpu);
  peak = Math.max(peak, used());
  console.log(
    JSON.stringify({
      where: `node ${process.version}`,
      adder: values.adder,
      ...timing,
      cpuMs: Math.round((user + system) / 1000),
      peakExtraMB: Math.round((peak - before) / MB),
      gc: typeof (globalThis as { gc?: unknown }).gc === "function",
    }),
  );
}

if (values.where !== "node") {
  const bench = await openBenchPage();
  try {
    await bench.page.evaluate(async ({ mod, unetMB, rank }) => ((await import(mod)) as typeof PageBench).prepare(unetMB, rank), {
      mod: "/bench/loraPatchPage.ts",
      unetMB,
      rank,
    });
    const { result, idleMB, peakMB } = await withHeapPeak(bench.cdp, () =>
      bench.page.evaluate(async ({ mod, adder }) => ((await import(mod)) as typeof PageBench).run(adder), {
        mod: "/bench/loraPatchPage.ts",
        adder: values.adder,
      }),
    );
    console.log(
      JSON.stringify({
        where: `chromium ${bench.context.browser()?.version() ?? ""}`,
        adder: values.adder,
        ...result,
        peakExtraMB: Math.round(peakMB - idleMB),
      }),
    );
  } finally {
    await bench.close();
  }
}
