import { InvalidParamsError } from "../../errors";
import { PY_DIGIT, PY_SPACE, PY_WORD, pythonFloat } from "./pythonText";

/** A run of prompt text with its attention weight, or a BREAK that ends the current 75-token chunk. */
export type PromptPiece = { kind: "text"; text: string; weight: number } | { kind: "break" };

const ROUND = 1.1;
const SQUARE = 1 / 1.1;

/**
 * The tokens of AUTOMATIC1111's emphasis syntax (modules/prompt_parser.py `re_attention`), in its order:
 * escapes, a lone backslash, openers, `:weight)` closers, plain closers, plain text, a lone colon.
 */
const ATTENTION = new RegExp(
  [
    "\\\\\\(",
    "\\\\\\)",
    "\\\\\\[",
    "\\\\\\]",
    "\\\\\\\\",
    "\\\\",
    "\\(",
    "\\[",
    `:${PY_SPACE}*([+-]?[.${PY_DIGIT}]+)${PY_SPACE}*\\)`,
    "\\)",
    "\\]",
    "[^\\\\()\\[\\]:]+",
    ":",
  ].join("|"),
  "gu",
);

/** A1111's `re_break`, `\s*\bBREAK\b\s*`, with Python's word boundary (any script's letters count). */
const BREAK = new RegExp(`${PY_SPACE}*(?<!${PY_WORD})BREAK(?!${PY_WORD})${PY_SPACE}*`, "u");

/** A1111 marks a BREAK as this piece; brackets around it multiply its weight and it turns into text. */
const BREAK_TEXT = "BREAK";
const BREAK_WEIGHT = -1;

/**
 * A1111's `parse_prompt_attention`: `(text)` ×1.1, `[text]` ÷1.1, `(text:w)` ×w, nesting multiplies, `\(` `\)`
 * `\[` `\]` `\\` are literal, unclosed brackets still apply to the end of the prompt, stray closers stay text,
 * BREAK (upper case, a word of its own) ends a chunk, and neighbours with equal weights are merged.
 * Quirks kept on purpose, so a prompt means what it means in A1111: a BREAK inside brackets becomes the word
 * "BREAK" with a negative weight, and a `(text:w)` weight that Python cannot read (`(a:1.2.3)`) is an error.
 */
export function parsePromptAttention(prompt: string): PromptPiece[] {
  const res: [string, number][] = [];
  const round: number[] = [];
  const square: number[] = [];
  const multiplyFrom = (start: number, by: number) => {
    for (let p = start; p < res.length; p++) res[p][1] *= by;
  };

  for (const m of prompt.matchAll(ATTENTION)) {
    const text = m[0];
    const weightText = m[1];
    if (text.startsWith("\\")) {
      res.push([text.slice(1), 1]);
    } else if (text === "(") {
      round.push(res.length);
    } else if (text === "[") {
      square.push(res.length);
    } else if (weightText !== undefined && round.length > 0) {
      multiplyFrom(round.pop() ?? 0, weight(weightText));
    } else if (text === ")" && round.length > 0) {
      multiplyFrom(round.pop() ?? 0, ROUND);
    } else if (text === "]" && square.length > 0) {
      multiplyFrom(square.pop() ?? 0, SQUARE);
    } else {
      text.split(BREAK).forEach((part, i) => {
        if (i > 0) res.push([BREAK_TEXT, BREAK_WEIGHT]);
        res.push([part, 1]);
      });
    }
  }
  for (const pos of round) multiplyFrom(pos, ROUND);
  for (const pos of square) multiplyFrom(pos, SQUARE);
  if (res.length === 0) res.push(["", 1]);

  const merged: [string, number][] = [res[0]];
  for (const piece of res.slice(1)) {
    const last = merged[merged.length - 1];
    if (last[1] === piece[1]) last[0] += piece[0];
    else merged.push(piece);
  }
  return merged.map(([text, w]) => (text === BREAK_TEXT && w === BREAK_WEIGHT ? { kind: "break" } : { kind: "text", text, weight: w }));
}

function weight(text: string): number {
  const value = pythonFloat(text);
  if (value === undefined) {
    throw new InvalidParamsError(
      `The prompt weight "${text}" is not a number. Write weights like (word:1.2), or escape the brackets as \\( and \\) to keep them as text.`,
      { weight: text },
    );
  }
  return value;
}
