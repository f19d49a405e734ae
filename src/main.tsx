import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { openGallery } from "./gallery/galleryDb";
import { App } from "./ui/App";
import { builtInModel, loadChosenModel, startEngine } from "./ui/bootstrap";
import { preloadSelectedModel } from "./ui/preload";
import { StoreContext } from "./ui/StoreContext";
import { browserSettingsStorage, createAppStore } from "./ui/store";
import { applyTheme } from "./ui/theme";
import "./ui/styles.css";
import "./ui/layout.css";

const engine = startEngine();
const store = createAppStore({
  engine,
  model: builtInModel(),
  gallery: openGallery(),
  settings: localStorageIfAllowed(),
  settingsStorage: browserSettingsStorage(),
});
applyTheme(store.getState().theme);
preloadSelectedModel(store, engine);
void loadChosenModel(store);
void store.getState().loadGalleryPage(0);
void store.getState().restoreLastResult();

/** The page's localStorage; undefined where the browser refuses it (some private modes throw on access). */
function localStorageIfAllowed(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <StoreContext.Provider value={store}>
      <App />
    </StoreContext.Provider>
  </StrictMode>,
);
