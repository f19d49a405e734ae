import { describe, expect, it } from "vitest";
import { golden } from "./goldens";
import { parsePrompt } from "./parse";

interface Case {
  prompt: string;
  networks: [string, unknown[]][];
  pieces: [string, number][];
}

describe("parsePrompt reads tags, then emphasis, as A1111's processing does", () => {
  it.each(golden<Case[]>("extra_networks").map((c) => [JSON.stringify(c.prompt), c] as const))("%s", (_name, c) => {
    const { pieces, tags } = parsePrompt(c.prompt);
    expect(pieces.map((p) => (p.kind === "break" ? ["BREAK", -1] : [p.text, p.weight]))).toStrictEqual(c.pieces);
    expect(tags.length).toBe(c.networks.reduce((n, [, list]) => n + list.length, 0));
  });
});
