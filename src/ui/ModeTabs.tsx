import { EDIT_MODES, MODE_LABELS } from "./editing";
import { useApp } from "./StoreContext";

/** Which kind of generation the form makes: a segmented control of radio buttons, one always chosen. */
export function ModeTabs() {
  const mode = useApp((s) => s.mode);
  const setMode = useApp((s) => s.setMode);
  return (
    <fieldset className="mode-tabs">
      <legend>Mode</legend>
      {EDIT_MODES.map((m) => (
        <label key={m} className={m === mode ? "selected" : undefined}>
          <input type="radio" name="mode" value={m} checked={m === mode} onChange={() => setMode(m)} />
          {MODE_LABELS[m]}
        </label>
      ))}
    </fieldset>
  );
}
