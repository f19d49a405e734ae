export interface Choice<T extends string> {
  value: T;
  label: string;
}

/** A <select> over a fixed list of labelled values, handing back the chosen one with its type. */
export function ChoiceSelect<T extends string>({
  id,
  value,
  choices,
  onChoose,
}: {
  id: string;
  value: T;
  choices: readonly Choice<T>[];
  onChoose: (value: T) => void;
}) {
  return (
    <select
      id={id}
      value={value}
      onChange={(e) => {
        const chosen = choices.find((c) => c.value === e.target.value);
        if (chosen) onChoose(chosen.value);
      }}
    >
      {choices.map((c) => (
        <option key={c.value} value={c.value}>
          {c.label}
        </option>
      ))}
    </select>
  );
}
