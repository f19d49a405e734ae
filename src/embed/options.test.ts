import { describe, expect, it } from "vitest";
import { embedUrl, iframeSnippet, parseEmbedOptions } from "./options";
import { parseOrigins } from "./origins";

describe("parseEmbedOptions", () => {
  it("reads origins, ui and default settings", () => {
    const { options, problems } = parseEmbedOptions(
      "?origins=https%3A%2F%2Fshop.example&ui=result&prompt=a+red+star&negative=blurry&steps=4&cfg=5.5&seed=7&width=128&height=64&sampler=DDIM",
    );
    expect(problems).toEqual([]);
    expect(options).toEqual({
      allow: { kind: "origins", origins: new Set(["https://shop.example"]) },
      ui: "result",
      defaults: { prompt: "a red star", negativePrompt: "blurry", steps: 4, guidance: 5.5, seed: 7, width: 128, height: 64, sampler: "DDIM" },
    });
  });

  it("takes generate's names for the settings too (negativePrompt, guidance)", () => {
    const { options, problems } = parseEmbedOptions("?negativePrompt=blurry&guidance=6");
    expect(problems).toEqual([]);
    expect(options.defaults).toEqual({ negativePrompt: "blurry", guidance: 6 });
  });

  it("falls back to a full widget with no API and says what it ignored", () => {
    const { options, problems } = parseEmbedOptions("?ui=tiny&steps=many&seed=");
    expect(options).toEqual({ allow: { kind: "origins", origins: new Set() }, ui: "full", defaults: {} });
    expect(problems).toEqual([
      'ui must be "full" or "result"; "tiny" was ignored.',
      'steps must be a number; "many" was ignored.',
      'seed must be a number; "" was ignored.',
    ]);
  });
});

describe("embedUrl and iframeSnippet", () => {
  it("writes a URL that parses back to the same options, leaving out the model's defaults", () => {
    const options = {
      allow: parseOrigins("https://shop.example,http://localhost:3000").allow,
      ui: "full" as const,
      defaults: { prompt: "a cat & a hat", steps: 4, guidance: 4 },
    };
    const url = embedUrl("https://gen.example/app/embed.html", options, { steps: 20, guidance: 4 });
    expect(url).toBe(
      "https://gen.example/app/embed.html?origins=https%3A%2F%2Fshop.example%2Chttp%3A%2F%2Flocalhost%3A3000&prompt=a+cat+%26+a+hat&steps=4",
    );
    expect(parseEmbedOptions(new URL(url).search).options).toEqual({ ...options, defaults: { prompt: "a cat & a hat", steps: 4 } });
  });

  it("escapes the URL for an HTML attribute", () => {
    const snippet = iframeSnippet('https://gen.example/embed.html?a=1&b="x"', { width: 360, height: 480 });
    expect(snippet).toBe(
      '<iframe src="https://gen.example/embed.html?a=1&amp;b=&quot;x&quot;" width="360" height="480" allow="cross-origin-isolated" style="border:0" title="Image generator"></iframe>',
    );
  });
});
