/** Page side of bench/browser.ts: starts the bench worker with the query's settings and shows its result. */
import type { BrowserBenchRequest } from "./engineBench.worker";

const q = new URLSearchParams(location.search);
const request: BrowserBenchRequest = {
  modelBase: new URL("/models/tiny-shapes", location.href).href,
  backend: (q.get("backend") ?? "wasm") as BrowserBenchRequest["backend"],
  threads: Number(q.get("threads") ?? 1),
  options: {
    steps: Number(q.get("steps") ?? 20),
    runs: Number(q.get("runs") ?? 5),
    warmupMs: Number(q.get("warmup-s") ?? 10) * 1000,
    size: Number(q.get("size") ?? 64),
    guidance: Number(q.get("guidance") ?? 4),
    sampler: q.get("sampler") ?? "Euler",
  },
  sessionOptions: JSON.parse(q.get("ort") ?? "{}") as BrowserBenchRequest["sessionOptions"],
};
const out = document.getElementById("out")!;
const done = (value: unknown) => {
  out.textContent = JSON.stringify(value);
  (window as unknown as { benchResult: unknown }).benchResult = value;
};
const worker = new Worker(new URL("./engineBench.worker.ts", import.meta.url), { type: "module" });
let previews = 0;
worker.onmessage = (e: MessageEvent<{ kind: string; result?: object; error?: string }>) => {
  // the page paints nothing, but counting keeps the preview messages real work for the page's thread
  if (e.data.kind === "preview") previews += 1;
  if (e.data.kind === "result") done({ crossOriginIsolated, previewsReceived: previews, ...e.data.result });
  if (e.data.kind === "error") done({ error: e.data.error });
};
worker.postMessage(request);
