import { describe, expect, it } from "vitest";
import { formatOrigins, isAllowed, parseOrigins } from "./origins";

describe("parseOrigins", () => {
  it("reads a comma- or space-separated list of origins, normalised as browsers report them", () => {
    const { allow, problems } = parseOrigins("https://Shop.Example, http://127.0.0.1:8080  https://a.example:443/");
    expect(problems).toEqual([]);
    expect(allow).toEqual({ kind: "origins", origins: new Set(["https://shop.example", "http://127.0.0.1:8080", "https://a.example"]) });
    expect(isAllowed(allow, "https://shop.example")).toBe(true);
    expect(isAllowed(allow, "http://shop.example")).toBe(false);
    expect(isAllowed(allow, "http://127.0.0.1:8081")).toBe(false);
  });

  it("allows nothing when the parameter is absent or empty", () => {
    for (const raw of [null, "", " , "]) {
      const { allow } = parseOrigins(raw);
      expect(isAllowed(allow, "https://shop.example")).toBe(false);
      expect(isAllowed(allow, "null")).toBe(false);
    }
  });

  it("allows any origin only for an explicit, lone '*'", () => {
    expect(parseOrigins("*").allow).toEqual({ kind: "any" });
    expect(isAllowed(parseOrigins("*").allow, "https://anything.example")).toBe(true);
    const mixed = parseOrigins("https://a.example,*");
    expect(isAllowed(mixed.allow, "https://b.example")).toBe(false);
    expect(isAllowed(mixed.allow, "https://a.example")).toBe(true);
    expect(mixed.problems).toEqual(["'*' allows every origin and must be the only entry; it was ignored."]);
  });

  it("ignores, with a reason, entries that are pages, other schemes, wildcards or 'null'", () => {
    const { allow, problems } = parseOrigins(
      "https://a.example/page,https://user:pw@b.example,javascript:alert(1),https://*.example,null,file:///x,c.example,https://d.example?q",
    );
    expect(allow).toEqual({ kind: "origins", origins: new Set() });
    expect(problems).toHaveLength(8);
    expect(problems[0]).toBe("'https://a.example/page' is not an origin: write it as scheme://host or scheme://host:port, e.g. https://example.com.");
  });

  it("round-trips through formatOrigins", () => {
    expect(formatOrigins(parseOrigins("https://a.example,https://b.example").allow)).toBe("https://a.example,https://b.example");
    expect(formatOrigins(parseOrigins("*").allow)).toBe("*");
  });
});
