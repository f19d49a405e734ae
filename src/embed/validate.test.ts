import { describe, expect, it } from "vitest";
import { EMBED_PROTOCOL } from "./protocol";
import { describe as describeValue, parseHostMessage } from "./validate";

const base = { protocol: EMBED_PROTOCOL, v: 1 };
const errorOf = (data: unknown) => {
  const parsed = parseHostMessage(data);
  if (parsed.ok) throw new Error("expected an error");
  return { id: parsed.id, ...parsed.error };
};

describe("parseHostMessage", () => {
  it("accepts the three requests", () => {
    expect(parseHostMessage({ ...base, type: "hello", id: "h" })).toEqual({ ok: true, message: { ...base, type: "hello", id: "h" } });
    expect(parseHostMessage({ ...base, type: "cancel", id: "c" })).toEqual({ ok: true, message: { ...base, type: "cancel", id: "c" } });
    const params = {
      prompt: "a red star",
      steps: 2,
      seed: 7,
      width: 64,
      height: 64,
      guidance: 4,
      negativePrompt: "",
      sampler: "Euler",
      promptSyntax: "plain",
    };
    expect(parseHostMessage({ ...base, type: "generate", id: "g", params, extra: "ignored" })).toEqual({
      ok: true,
      message: { ...base, type: "generate", id: "g", params },
    });
    expect(parseHostMessage({ ...base, type: "generate", id: "g" })).toEqual({
      ok: true,
      message: { ...base, type: "generate", id: "g", params: {} },
    });
  });

  it("answers non-objects with an error that has no id", () => {
    for (const data of [null, undefined, 42, "generate", [base], true]) {
      expect(errorOf(data)).toMatchObject({ id: null, name: "MalformedMessageError" });
    }
  });

  it("needs the protocol tag and version 1", () => {
    expect(errorOf({ type: "hello", id: "x" })).toMatchObject({ id: "x", name: "MalformedMessageError" });
    expect(errorOf({ ...base, v: 2, type: "hello", id: "x" })).toMatchObject({ id: "x", name: "UnsupportedVersionError" });
  });

  it("needs a short string id", () => {
    expect(errorOf({ ...base, type: "hello" })).toMatchObject({ id: null, name: "MalformedMessageError" });
    expect(errorOf({ ...base, type: "hello", id: 5 })).toMatchObject({ id: null });
    expect(errorOf({ ...base, type: "hello", id: "" })).toMatchObject({ id: null });
    const huge = errorOf({ ...base, type: "hello", id: "x".repeat(1_000_000) });
    expect(huge.id).toBeNull();
    expect(huge.message.length).toBeLessThan(200);
  });

  it("names unknown types, settings and wrong setting types, quoting only a short excerpt", () => {
    expect(errorOf({ ...base, type: "explode", id: "t" })).toEqual({
      id: "t",
      name: "MalformedMessageError",
      message: 'Unknown request type "explode": use "hello", "generate" or "cancel".',
    });
    expect(errorOf({ ...base, type: "generate", id: "t", params: { stpes: 3 } })).toMatchObject({
      name: "InvalidParamsError",
      field: "stpes",
      message: expect.stringMatching(/^Unknown setting "stpes"/),
    });
    expect(errorOf({ ...base, type: "generate", id: "t", params: { ["k".repeat(5000)]: 1 } }).field).toHaveLength(40);
    expect(errorOf({ ...base, type: "generate", id: "t", params: { steps: "many" } })).toMatchObject({ name: "InvalidParamsError", field: "steps" });
    expect(errorOf({ ...base, type: "generate", id: "t", params: { seed: Number.NaN } })).toMatchObject({ field: "seed" });
    expect(errorOf({ ...base, type: "generate", id: "t", params: { promptSyntax: "comfy" } })).toEqual({
      id: "t",
      name: "InvalidParamsError",
      field: "promptSyntax",
      message: 'promptSyntax must be one of "A1111", "plain"; got "comfy".',
    });
    expect(errorOf({ ...base, type: "generate", id: "t", params: "a cat" })).toMatchObject({ name: "InvalidParamsError" });
    const long = errorOf({ ...base, type: "generate", id: "t", params: { prompt: "<img src=x onerror=alert(1)>".repeat(10_000) } });
    expect(long).toMatchObject({ field: "prompt" });
    expect(long.message.length).toBeLessThan(200);
  });
});

describe("generate params", () => {
  it("take the embed URL's short names too: negative is negativePrompt, cfg is guidance", () => {
    const parsed = parseHostMessage({ ...base, type: "generate", id: "t", params: { prompt: "a star", negative: "blurry", cfg: 5.5 } });
    expect(parsed).toEqual({
      ok: true,
      message: { ...base, type: "generate", id: "t", params: { prompt: "a star", negativePrompt: "blurry", guidance: 5.5 } },
    });
    expect(errorOf({ ...base, type: "generate", id: "t", params: { cfg: "high" } })).toMatchObject({
      name: "InvalidParamsError",
      field: "cfg",
      message: 'cfg must be a number; got "high".',
    });
  });

  it("refuse one setting under both its names", () => {
    expect(errorOf({ ...base, type: "generate", id: "t", params: { guidance: 4, cfg: 5 } })).toMatchObject({
      name: "InvalidParamsError",
      field: "cfg",
      message: "guidance and cfg are the same setting; send one of them.",
    });
  });

  it("ask for previews only with previews: true", () => {
    expect(parseHostMessage({ ...base, type: "generate", id: "t", params: {}, previews: true })).toEqual({
      ok: true,
      message: { ...base, type: "generate", id: "t", params: {}, previews: true },
    });
    expect(parseHostMessage({ ...base, type: "generate", id: "t", params: {}, previews: false })).toEqual({
      ok: true,
      message: { ...base, type: "generate", id: "t", params: {} },
    });
    expect(errorOf({ ...base, type: "generate", id: "t", previews: "yes" })).toMatchObject({
      name: "MalformedMessageError",
      message: 'previews must be true or false; got "yes".',
    });
  });
});

describe("describe", () => {
  it("clips text and names other types", () => {
    expect(describeValue("hi")).toBe('"hi"');
    expect(describeValue("y".repeat(100))).toBe(`"${"y".repeat(40)}"… (100 characters)`);
    expect(describeValue({})).toBe("an object");
    expect(describeValue(undefined)).toBe("nothing");
    expect(describeValue(10n)).toBe("a bigint");
  });
});
