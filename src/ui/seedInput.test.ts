import { describe, expect, it } from "vitest";
import { parseSeedInput, seedInputText } from "./seedInput";

describe("the seed field", () => {
  it("reads an empty field and −1 as a random seed, as A1111 does", () => {
    expect(parseSeedInput("")).toBe(-1);
    expect(parseSeedInput("  ")).toBe(-1);
    expect(parseSeedInput("-1")).toBe(-1);
  });

  it("keeps other text as a number for validation to judge", () => {
    expect(parseSeedInput("1234")).toBe(1234);
    expect(parseSeedInput("1.5")).toBe(1.5);
    expect(parseSeedInput("-7")).toBe(-7);
  });

  it("shows a random seed as an empty field and a concrete one as its digits", () => {
    expect(seedInputText(-1)).toBe("");
    expect(seedInputText(0)).toBe("0");
    expect(seedInputText(4294967295)).toBe("4294967295");
  });
});
