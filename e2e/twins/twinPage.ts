/**
 * Page side of e2e/twins.spec.ts: a catalog hub model as shipped, read from the local hub that serves its twin,
 * run by the engine on onnxruntime-web's WASM backend, and compared with diffusers' image for the same case.
 */
import { maxRgbDifference } from "../../src/engine/image";
import { loadModel } from "../../src/engine/loadModel";
import { generate } from "../../src/engine/pipeline";
import { createWebRuntime } from "../../src/engine/webRuntime";
import { hubFileUrl } from "../../src/hub/urls";
import { CATALOG, findEntry } from "../../src/models/catalog";
import { caseParams, type ReferenceCase } from "../../src/models/referenceCase";
import { decodePng } from "../../src/png/encodePng";
import { hubSource } from "../../src/storage/cachedSource";
import { ORT_ASSETS } from "../../workers/ortAssets";

const q = new URLSearchParams(location.search);
const hub = q.get("hub")!;
const c = JSON.parse(q.get("case")!) as ReferenceCase;
const out = document.getElementById("out")!;
const done = (value: object) => {
  out.textContent = JSON.stringify(value);
  (window as unknown as { twinResult: object }).twinResult = value;
};

try {
  const entry = findEntry(CATALOG, q.get("model")!);
  if (entry?.kind !== "hub") throw new Error(`${q.get("model")} is not a hub model of the catalog`);
  const runtime = await createWebRuntime("wasm", ORT_ASSETS, { maxThreads: 1 });
  const variant = entry.manifest.variants[0];
  const model = await loadModel(entry.manifest, variant, hubSource(entry, variant.id, hub), runtime);
  const { image } = await generate(model, runtime, caseParams(c));
  const [folder, file] = c.image.split("/");
  const reference = decodePng(new Uint8Array(await (await fetch(hubFileUrl(hub, `references/${folder}`, "main", file))).arrayBuffer()));
  done({ backend: runtime.backend.name, width: image.width, height: image.height, maxDifference: maxRgbDifference(image.data, reference.rgba) });
} catch (err) {
  done({ error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
}
