import { describe, expect, it } from "vitest";
import loraHashes from "./__fixtures__/a1111-lora-hashes.txt?raw";
import noNegative from "./__fixtures__/a1111-no-negative.txt?raw";
import nonAscii from "./__fixtures__/a1111-non-ascii.txt?raw";
import fooocus from "./__fixtures__/fooocus-a1111.txt?raw";
import forgeMultiline from "./__fixtures__/forge-multiline.txt?raw";
import { encodePng } from "./encodePng";
import {
  formatParameters,
  MissingParametersError,
  parseParameters,
  ParametersFormatError,
  readGenerationInfo,
  type GenerationInfo,
} from "./parameters";
import { insertTextChunks, readPngTextEntries } from "./pngChunks";

const basic: GenerationInfo = {
  prompt: "a red fox in the snow",
  negativePrompt: "blurry",
  steps: 20,
  sampler: "Euler",
  scheduleType: "Karras",
  cfgScale: 7,
  seed: 42,
  width: 512,
  height: 512,
  model: "tiny-shapes",
  denoisingStrength: 0.5,
  extra: {},
};

describe("formatParameters", () => {
  it("writes A1111's layout", () => {
    expect(formatParameters(basic)).toBe(
      "a red fox in the snow\nNegative prompt: blurry\n" +
        "Steps: 20, Sampler: Euler, Schedule type: Karras, CFG scale: 7, Seed: 42, Size: 512x512, Model: tiny-shapes, Denoising strength: 0.5",
    );
  });

  it("omits an empty negative prompt and unset optional settings", () => {
    const info: GenerationInfo = { ...basic, negativePrompt: "", cfgScale: 7.5, width: 512, height: 768, extra: {} };
    delete info.scheduleType;
    delete info.model;
    delete info.denoisingStrength;
    expect(formatParameters(info)).toBe("a red fox in the snow\nSteps: 20, Sampler: Euler, CFG scale: 7.5, Seed: 42, Size: 512x768");
  });

  it("appends extra settings in order and JSON-quotes values as A1111's quote() does", () => {
    const info: GenerationInfo = {
      ...basic,
      extra: {
        "Model hash": "6ce0161689",
        "Lora hashes": "a: 1, b: 2",
        "Wildcard prompt": 'say "hi"\nthen leave',
        Note: '"already quoted"',
        Plain: 'a "word" here',
        Version: "v1.10.1",
      },
    };
    expect(formatParameters(info).split("\n")[2]).toBe(
      "Steps: 20, Sampler: Euler, Schedule type: Karras, CFG scale: 7, Seed: 42, Size: 512x512, Model: tiny-shapes, " +
        'Denoising strength: 0.5, Model hash: 6ce0161689, Lora hashes: "a: 1, b: 2", ' +
        'Wildcard prompt: "say \\"hi\\"\\nthen leave", Note: "\\"already quoted\\"", Plain: a "word" here, Version: v1.10.1',
    );
  });

  it("lets the typed fields win over a copy in extra, and refuses labels A1111 cannot read", () => {
    expect(formatParameters({ ...basic, extra: { Seed: "7" } })).toBe(formatParameters(basic));
    for (const key of ["Bad, label", "x", " lead", "a:b"]) {
      expect(() => formatParameters({ ...basic, extra: { [key]: "v" } })).toThrow(ParametersFormatError);
    }
  });
});

describe("parseParameters", () => {
  it("reads typical A1111 output with quoted Lora hashes", () => {
    expect(parseParameters(loraHashes)).toEqual({
      prompt: "masterpiece, best quality, a red fox sitting in a snowy forest, (soft light:1.2), <lora:foxStyle_v2:0.8> <lora:detailTweaker:0.5>",
      negativePrompt: "lowres, bad anatomy, (worst quality:1.4), watermark",
      steps: 28,
      sampler: "DPM++ 2M",
      scheduleType: "Karras",
      cfgScale: 6.5,
      seed: 3141592653,
      width: 512,
      height: 768,
      model: "v1-5-pruned-emaonly",
      denoisingStrength: 0.45,
      extra: {
        "Model hash": "6ce0161689",
        "Clip skip": "2",
        "Hires upscale": "2",
        "Hires steps": "10",
        "Hires upscaler": "Latent",
        "Lora hashes": "foxStyle_v2: 8a3c1e2f9b07, detailTweaker: 0f1e2d3c4b5a",
        "TI hashes": "easynegative: c74b4e810b03",
        Version: "v1.10.1",
      },
    });
  });

  it("reads output without a negative prompt line", () => {
    expect(parseParameters(noNegative)).toEqual({
      prompt: "a lighthouse on a cliff at dusk, oil painting",
      negativePrompt: "",
      steps: 20,
      sampler: "Euler a",
      scheduleType: "Automatic",
      cfgScale: 7,
      seed: 12345,
      width: 512,
      height: 512,
      model: "v1-5-pruned-emaonly",
      extra: { "Model hash": "6ce0161689", Version: "v1.9.4" },
    });
  });

  it("reads multi-line prompts and negative prompts (Forge)", () => {
    const info = parseParameters(forgeMultiline);
    expect(info.prompt).toBe("portrait of an old sailor, weathered face,\nBREAK\n\ndramatic lighting, rembrandt style");
    expect(info.negativePrompt).toBe("blurry,\ncartoon, 3d render");
    expect(info).toMatchObject({ steps: 30, sampler: "DPM++ SDE", scheduleType: "Karras", width: 832, height: 1216 });
    expect(info.extra).toEqual({
      "Model hash": "31e35c80fc",
      "VAE hash": "235745af8d",
      VAE: "sdxl_vae.safetensors",
      "Module 1": "sdxl_vae",
      Version: "f2.0.1v1.10.1-previous-313-g8a042934",
    });
  });

  it("reads non-ASCII prompts and values", () => {
    expect(parseParameters(nonAscii)).toMatchObject({
      prompt: "一只猫坐在窗台上，阳光，水彩画风格, 🐱, café au lait",
      negativePrompt: "模糊, низкое качество",
      model: "动漫模型_v3",
      width: 768,
      height: 512,
    });
  });

  it("reads Fooocus output in the A1111 scheme", () => {
    const info = parseParameters(fooocus);
    expect(info).toMatchObject({
      steps: 30,
      sampler: "DPM++ 2M SDE Karras",
      cfgScale: 4,
      seed: 7290163538816235,
      width: 1152,
      height: 896,
      model: "juggernautXL_v8Rundiffusion",
    });
    expect(info.scheduleType).toBeUndefined();
    expect(info.extra).toEqual({
      Sharpness: "2",
      "ADM Guidance": "(1.5, 0.8, 0.3)",
      "Model hash": "aeb7e9e689",
      Performance: "Speed",
      Scheduler: "karras",
      VAE: "Default (model)",
      "Raw prompt": "mountain lake at sunrise, mist",
      "Raw negative prompt": "",
      "Lora hashes": "sd_xl_offset_example-lora_1.0: 4852686128",
      "Lora weights": "sd_xl_offset_example-lora_1.0: 0.1",
      Version: "Fooocus v2.5.5",
    });
  });

  it("unquotes escaped quotes and keeps values that only look quoted", () => {
    const info = parseParameters(
      'cat\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 64x64, Wildcard prompt: "say \\"hi\\", then \\u00e9", Odd: "a" b, Broken: "\\x"',
    );
    expect(info.extra).toEqual({ "Wildcard prompt": 'say "hi", then é', Odd: '"a" b', Broken: '"\\x"' });
  });

  it("finds the same settings as A1111's re_param regex, on random lines", () => {
    // A1111's re_param translated to JS (Python's Unicode \w is [\p{L}\p{N}_]), used here as the reference.
    const reParam = /\s*([\p{L}\p{N}_][\p{L}\p{N}_ \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)/gu;
    const unquote = (value: string): string => {
      if (!(value.length >= 2 && value.startsWith('"') && value.endsWith('"'))) return value;
      try {
        return String(JSON.parse(value));
      } catch {
        return value;
      }
    };
    const alphabet = ["a", "b", "猫", "𝒜", "1", "_", " ", " ", "\t", ":", ":", ",", ",", '"', '"', "\\", '\\"', "-", "/", "x"];
    let state = 2024;
    const next = () => (state = (state * 1103515245 + 12345) >>> 0) >>> 8;
    const base = "Steps: 1, Sampler: s, CFG scale: 1, Seed: 1, Size: 1x1, ";
    for (let trial = 0; trial < 3000; trial++) {
      const tail = Array.from({ length: next() % 28 }, () => alphabet[next() % alphabet.length]).join("");
      const line = (base + tail).trim();
      const expected = Object.fromEntries([...line.matchAll(reParam)].slice(5).map(([, key, value]): [string, string] => [key, unquote(value)]));
      const { extra } = parseParameters(`p\n${line}`);
      expect({ line, extra }).toEqual({ line, extra: expected });
    }
  });

  it("parses long lines in linear time", () => {
    const started = performance.now();
    for (const line of ["word ".repeat(40_000), `a: "${"x".repeat(200_000)}`, "ab: ".repeat(50_000)]) {
      expect(() => parseParameters(`prompt\n${line}`)).toThrow(ParametersFormatError);
    }
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("accepts Windows line endings, stray spaces and an empty prompt", () => {
    const info = parseParameters("\r\nNegative prompt: ugly\r\nSteps: 20 , Sampler: Euler, CFG scale: 7, Seed: -1, Size: 8x8\r\n");
    expect(info).toMatchObject({ prompt: "", negativePrompt: "ugly", steps: 20, seed: -1, width: 8, height: 8 });
  });

  it("round-trips what formatParameters writes", () => {
    const info: GenerationInfo = {
      ...basic,
      prompt: "一只猫, (best quality:1.2)\nBREAK\nstanding on a roof: night",
      negativePrompt: "lowres,\nbad hands",
      seed: 4294967295,
      extra: { "Lora hashes": "a: 1, b: 2", "Hires prompt": 'x\n"y"', Emoji: "🐱", Empty: "", Version: "v1" },
    };
    expect(parseParameters(formatParameters(info))).toEqual(info);
  });

  it("throws ParametersFormatError when there is no settings line", () => {
    const message =
      "These generation parameters have no settings line: the last line should look like 'Steps: 20, Sampler: Euler, CFG scale: 7, Seed: 42, Size: 512x512'.";
    for (const text of ["", "just a prompt, nothing else", "a cat\nNegative prompt: dog", "prompt\nSteps: 20, Seed: 1"]) {
      expect(() => parseParameters(text)).toThrow(new ParametersFormatError(message));
    }
  });

  it("recognises JSON parameters (Fooocus's own scheme) and says they are not A1111 text", () => {
    expect(() => parseParameters('{"adm_guidance": "(1.5, 0.8, 0.3)", "base_model": "juggernautXL", "steps": 30}')).toThrow(
      "These generation parameters are JSON (such as Fooocus's own scheme), not AUTOMATIC1111's text format.",
    );
  });

  it("names a missing or malformed setting", () => {
    expect(() => parseParameters("cat\nSteps: 20, Sampler: Euler, CFG scale: 7, Size: 8x8")).toThrow(
      "These generation parameters have no 'Seed' setting.",
    );
    expect(() => parseParameters("cat\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 1, Size: big")).toThrow(
      "The 'Size' setting should be a size such as 512x768, but it is 'big'.",
    );
    expect(() => parseParameters("cat\nSteps: 2.5, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 8x8")).toThrow(
      "The 'Steps' setting should be a whole number, but it is '2.5'.",
    );
  });
});

describe("readGenerationInfo", () => {
  const pixels = new Uint8Array(2 * 2 * 4).fill(128);

  it("reads the parameters chunk of our own PNG, Latin-1 or not", () => {
    for (const info of [basic, { ...basic, prompt: "一只猫 🐱" }]) {
      const png = encodePng(pixels, 2, 2, { parameters: formatParameters(info) });
      expect(readGenerationInfo(png)).toEqual(info);
    }
  });

  it("reads a Fooocus PNG that also carries its scheme chunk", () => {
    const png = insertTextChunks(encodePng(pixels, 2, 2), { parameters: fooocus, fooocus_scheme: "a1111" });
    expect(readPngTextEntries(png).map((entry) => entry.keyword)).toEqual(["parameters", "fooocus_scheme"]);
    expect(readGenerationInfo(png).extra.Version).toBe("Fooocus v2.5.5");
  });

  it("says so when the PNG has no parameters", () => {
    const png = encodePng(pixels, 2, 2, { Software: "an image editor" });
    expect(() => readGenerationInfo(png)).toThrow(new MissingParametersError("This PNG has no generation parameters."));
    expect(() => readGenerationInfo(png)).toThrow(expect.objectContaining({ name: "MissingParametersError" }));
  });
});
