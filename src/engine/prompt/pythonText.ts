/**
 * Python's `re` character classes for str patterns, spelled for JavaScript regexes (with the `u` flag).
 * A1111's prompt syntax is defined by Python regexes, and JavaScript's `\s`, `\w`, `\d` and `\b` mean
 * something narrower or different, so prompts with non-ASCII text would otherwise split differently.
 */

/** `\s`: what str.isspace() accepts (JavaScript's \s lacks \x1c-\x1f and \x85, and adds \ufeff). */
export const PY_SPACE = "[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";

/** `\w`: letters and numbers of any script, and the underscore (str.isalnum() or "_"). */
export const PY_WORD = "[\\p{L}\\p{N}_]";

/** `\d`: decimal digits of any script (general category Nd). */
export const PY_DIGIT = "\\p{Nd}";

const DIGIT = new RegExp(`^${PY_DIGIT}$`, "u");

/**
 * Python's float() of a string made of signs, dots and decimal digits of any script; undefined where
 * Python raises ValueError ("1.2.3", "."). Unicode keeps every script's digits 0–9 in consecutive runs
 * of ten, so a digit's value is its distance from the start of its run, modulo 10.
 */
export function pythonFloat(text: string): number | undefined {
  let ascii = "";
  for (const ch of text) {
    if (ch === "+" || ch === "-" || ch === "." || (ch >= "0" && ch <= "9")) {
      ascii += ch;
    } else if (DIGIT.test(ch)) {
      ascii += String(digitValue(ch.codePointAt(0) ?? 0));
    } else {
      return undefined;
    }
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(ascii)) return undefined;
  return Number(ascii);
}

function digitValue(codePoint: number): number {
  let start = codePoint;
  while (DIGIT.test(String.fromCodePoint(start - 1))) start--;
  return (codePoint - start) % 10;
}
