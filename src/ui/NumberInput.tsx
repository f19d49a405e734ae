import type { InputHTMLAttributes } from "react";

type Props = Omit<InputHTMLAttributes<HTMLInputElement>, "type" | "value" | "onChange"> & {
  value: number;
  onValue(value: number): void;
};

/** A number field whose empty text is NaN in the store, so a field being retyped is not taken for 0, and back. */
export function NumberInput({ value, onValue, ...rest }: Props) {
  return (
    <input
      {...rest}
      type="number"
      value={Number.isNaN(value) ? "" : value}
      onChange={(e) => onValue(e.target.value === "" ? Number.NaN : Number(e.target.value))}
    />
  );
}
