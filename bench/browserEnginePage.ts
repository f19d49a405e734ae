/** Page side of bench/browser.ts: runs generations through the real worker and reports timings. */
import { createEngineClient } from "../src/client/engineClient";
import type { BackendChoice, ResultMessage } from "../src/protocol";

const q = new URLSearchParams(location.search);
const steps = Number(q.get("steps") ?? 20);
const runs = Number(q.get("runs") ?? 5);
const size = Number(q.get("size") ?? 64);
const backend = (q.get("backend") ?? "wasm") as BackendChoice;
const worker = new Worker(new URL("../workers/engine.worker.ts", import.meta.url), { type: "module" });
const client = createEngineClient(worker);
const out = document.getElementById("out")!;

async function once(seed: number): Promise<ResultMessage> {
  return client.generate({
    modelId: "tiny-shapes",
    modelBase: new URL("/models/tiny-shapes", location.href).href,
    backend,
    previews: true,
    params: { prompt: "a red star on a blue background", negativePrompt: "", steps, guidance: 4, seed, width: size, height: size, sampler: "Euler" },
  }).done;
}

async function main() {
  const first = await once(1);
  const rows = [];
  for (let i = 0; i < runs; i++) rows.push((await once(i + 2)).timings);
  const total = rows.reduce((a, r) => a + r.totalMs, 0);
  const run = rows.reduce((a, r) => a + r.runMs, 0);
  const result = {
    bench: "engine-overhead-browser",
    backend,
    crossOriginIsolated,
    threads: crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency) : 1,
    steps,
    size,
    runs,
    firstLoadMs: +first.timings.loadMs.toFixed(0),
    firstTotalMs: +first.timings.totalMs.toFixed(1),
    meanTotalMs: +(total / runs).toFixed(1),
    meanRunMs: +(run / runs).toFixed(1),
    overheadRatio: +(total / run).toFixed(4),
  };
  out.textContent = JSON.stringify(result);
  (window as unknown as { benchResult: unknown }).benchResult = result;
}

main().catch((err: unknown) => {
  out.textContent = `error: ${String(err)}`;
  (window as unknown as { benchResult: unknown }).benchResult = { error: String(err) };
});
