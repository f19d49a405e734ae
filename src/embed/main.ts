/** The embed widget's entry (embed.html): the app's store and engine, a compact UI, and the postMessage API. */
import { builtInModel, loadManifest, startEngine } from "../ui/bootstrap";
import { preloadSelectedModel } from "../ui/preload";
import { createAppStore } from "../ui/store";
import "./embed.css";
import { parseEmbedOptions } from "./options";
import { createEmbedRouter } from "./router";
import { mountWidget } from "./view";

const { options, problems } = parseEmbedOptions(location.search);
for (const problem of problems) console.warn(`Embed URL: ${problem}`);

// No gallery: images made in a widget belong to the host page, and a third-party iframe's storage is
// partitioned (or blocked) anyway. Previews on: the widget shows the image forming, as the app does.
const engine = startEngine();
const store = createAppStore({ engine, model: builtInModel() });
store.getState().setPreviews(true);
preloadSelectedModel(store, engine);
void loadManifest(store).then(() => {
  if (!store.getState().manifest) return;
  store.getState().applySettings(options.defaults);
});

const refused = new Set<string>();
const router = createEmbedRouter({
  allow: options.allow,
  store,
  defaults: options.defaults,
  crossOriginIsolated: globalThis.crossOriginIsolated === true,
  onRefused(origin) {
    if (refused.has(origin)) return;
    refused.add(origin);
    console.warn(`Ignoring messages from ${origin}: add it to the embed URL's origins parameter to let it use the widget.`);
  },
});

window.addEventListener("message", (e) => {
  const source = e.source;
  // Only a window (the host page) can be answered; ports and service workers are not host pages.
  if (source === null || source instanceof MessagePort || (typeof ServiceWorker !== "undefined" && source instanceof ServiceWorker)) return;
  // A sandboxed host has the opaque origin "null", which postMessage cannot target; only an explicit
  // `origins=*` lets such a host in, and then the answer can only go to "*".
  const targetOrigin = e.origin === "null" ? "*" : e.origin;
  router.receive(e.data, { origin: e.origin, post: (event) => source.postMessage(event, { targetOrigin }) });
});

mountWidget(document.getElementById("widget")!, store, options.ui);
