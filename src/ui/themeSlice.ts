import type { SliceCreator, StoreDeps } from "./store";
import { applyTheme, loadTheme, saveTheme, type ThemeChoice } from "./theme";

/** The colour theme as its own slice, so persisting the store later can take this one field as it is. */
export interface ThemeSlice {
  theme: ThemeChoice;
  setTheme(theme: ThemeChoice): void;
}

export const createThemeSlice =
  ({ settings: storage }: StoreDeps): SliceCreator<ThemeSlice> =>
  (set) => ({
    theme: loadTheme(storage),
    setTheme(theme) {
      saveTheme(theme, storage);
      if (typeof document !== "undefined") applyTheme(theme);
      set({ theme });
    },
  });
