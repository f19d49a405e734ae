import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { openGallery } from "./gallery/galleryDb";
import { App } from "./ui/App";
import { builtInModel, loadChosenModel, startEngine } from "./ui/bootstrap";
import { preloadSelectedModel } from "./ui/preload";
import { StoreContext } from "./ui/StoreContext";
import { browserSettingsStorage, createAppStore } from "./ui/store";
import "./ui/styles.css";
import "./ui/layout.css";

const engine = startEngine();
const store = createAppStore({ engine, model: builtInModel(), gallery: openGallery(), settingsStorage: browserSettingsStorage() });
preloadSelectedModel(store, engine);
void loadChosenModel(store);
void store.getState().loadGalleryPage(0);
void store.getState().restoreLastResult();

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <StoreContext.Provider value={store}>
      <App />
    </StoreContext.Provider>
  </StrictMode>,
);
