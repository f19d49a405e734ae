import { describe, expect, it } from "vitest";
import { InvalidParamsError } from "../../errors";
import { type PromptPiece, parsePromptAttention } from "./attention";
import { golden } from "./goldens";

type Case = { prompt: string; pieces: [string, number][] } | { prompt: string; error: string };

/** A1111's own representation: a BREAK is the piece ["BREAK", -1]. */
const asA1111 = (pieces: PromptPiece[]) => pieces.map((p) => (p.kind === "break" ? ["BREAK", -1] : [p.text, p.weight]));

const cases = golden<Case[]>("attention");

describe("parsePromptAttention matches A1111's parse_prompt_attention", () => {
  it("covers at least 40 prompts", () => expect(cases.length).toBeGreaterThanOrEqual(40));

  it.each(cases.filter((c) => "pieces" in c).map((c) => [JSON.stringify(c.prompt), c] as const))("%s", (_name, c) => {
    if (!("pieces" in c)) throw new Error("filtered above");
    expect(asA1111(parsePromptAttention(c.prompt))).toStrictEqual(c.pieces);
  });

  it.each(cases.filter((c) => "error" in c).map((c) => [JSON.stringify(c.prompt), c.prompt] as const))(
    "%s is an error in A1111 too, and ours says which weight",
    (_name, prompt) => {
      expect(() => parsePromptAttention(prompt)).toThrow(InvalidParamsError);
      expect(() => parsePromptAttention(prompt)).toThrow(/is not a number/);
    },
  );

  it("reads weights written in other scripts' digits as Python's float() does", () => {
    expect(parsePromptAttention("(x:\u0661.\u0665)")).toStrictEqual([{ kind: "text", text: "x", weight: 1.5 }]);
    expect(parsePromptAttention("(x:\u{1D7D0}.\u{1D7D3})")).toStrictEqual([{ kind: "text", text: "x", weight: 2.5 }]);
  });
});
