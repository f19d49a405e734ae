/** Page side of bench/browser.ts: starts the bench worker with the query's settings and shows its result. */
import type { BrowserBenchRequest } from "./engineBench.worker";
import { benchArgs, benchOptions } from "./engineMeasure";

const q = new URLSearchParams(location.search);
type BenchArg = keyof typeof benchArgs;
const names = Object.keys(benchArgs) as BenchArg[];
const arg = (name: BenchArg): string => q.get(name) ?? benchArgs[name].default;
const request: BrowserBenchRequest = {
  modelBase: new URL("/models/tiny-shapes", location.href).href,
  backend: (q.get("backend") ?? "wasm") as BrowserBenchRequest["backend"],
  threads: Number(arg("threads")),
  options: benchOptions(Object.fromEntries(names.map((k) => [k, arg(k)])) as Record<BenchArg, string>),
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
