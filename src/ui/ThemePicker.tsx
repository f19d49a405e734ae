import { useId } from "react";
import { ChoiceSelect } from "./ChoiceSelect";
import { useApp } from "./StoreContext";
import { THEME_CHOICES } from "./theme";

/** Light, dark, or whatever the system prefers (the default); kept across visits. */
export function ThemePicker() {
  const id = useId();
  const theme = useApp((s) => s.theme);
  const setTheme = useApp((s) => s.setTheme);
  return (
    <span className="theme-picker">
      <label htmlFor={id}>Theme</label>
      <ChoiceSelect id={id} value={theme} choices={THEME_CHOICES} onChoose={setTheme} />
    </span>
  );
}
