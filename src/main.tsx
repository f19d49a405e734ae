import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { createEngineClient } from "./client/engineClient";
import { parseManifest } from "./manifest";
import { App } from "./ui/App";
import { StoreContext } from "./ui/StoreContext";
import { createAppStore, type ModelEntry } from "./ui/store";
import "./ui/styles.css";

const BUILT_IN: ModelEntry = {
  id: "tiny-shapes",
  name: "Tiny Shapes (built-in)",
  base: new URL(`${import.meta.env.BASE_URL}models/tiny-shapes`, location.href).href,
};

const worker = new Worker(new URL("../workers/engine.worker.ts", import.meta.url), { type: "module" });
const store = createAppStore(createEngineClient(worker), BUILT_IN);

fetch(`${BUILT_IN.base}/model.json`)
  .then((r) => {
    if (!r.ok) throw new Error(`The built-in model's description could not be loaded (HTTP ${r.status}).`);
    return r.json();
  })
  .then((json) => store.getState().setManifest(parseManifest(json)))
  .catch((err) => store.getState().showError(err));

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <StoreContext.Provider value={store}>
      <App />
    </StoreContext.Provider>
  </StrictMode>,
);
