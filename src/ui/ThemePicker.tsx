import { useId } from "react";
import { useApp } from "./StoreContext";
import { parseTheme, THEME_CHOICES } from "./theme";

/** Light, dark, or whatever the system prefers (the default); kept across visits. */
export function ThemePicker() {
  const id = useId();
  const theme = useApp((s) => s.theme);
  const setTheme = useApp((s) => s.setTheme);
  return (
    <span className="theme-picker">
      <label htmlFor={id}>Theme</label>
      <select id={id} value={theme} onChange={(e) => setTheme(parseTheme(e.target.value))}>
        {THEME_CHOICES.map((c) => (
          <option key={c.value} value={c.value}>
            {c.label}
          </option>
        ))}
      </select>
    </span>
  );
}
