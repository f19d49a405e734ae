/**
 * The colour theme: the system's (`prefers-color-scheme`) unless the user picked light or dark. The choice
 * is kept in localStorage under its own key, apart from the store's other settings, so the page can apply
 * it before React renders (no flash of the wrong theme).
 */
export type ThemeChoice = "system" | "light" | "dark";

export const THEME_CHOICES: readonly { value: ThemeChoice; label: string }[] = [
  { value: "system", label: "System" },
  { value: "light", label: "Light" },
  { value: "dark", label: "Dark" },
];

const KEY = "theme";

export function parseTheme(value: unknown): ThemeChoice {
  return value === "light" || value === "dark" ? value : "system";
}

/** The saved choice; "system" when none is saved or storage is refused (a sandboxed frame). */
export function loadTheme(storage: Pick<Storage, "getItem"> | undefined): ThemeChoice {
  try {
    return parseTheme(storage?.getItem(KEY));
  } catch {
    return "system";
  }
}

export function saveTheme(choice: ThemeChoice, storage: Pick<Storage, "setItem" | "removeItem"> | undefined): void {
  try {
    if (choice === "system") storage?.removeItem(KEY);
    else storage?.setItem(KEY, choice);
  } catch (err) {
    console.warn("The theme could not be saved; it applies to this visit only.", err);
  }
}

/** The stylesheet keys its colours on `data-theme`; without it, `prefers-color-scheme` decides. */
export function applyTheme(choice: ThemeChoice, root: HTMLElement = document.documentElement): void {
  if (choice === "system") delete root.dataset.theme;
  else root.dataset.theme = choice;
}
