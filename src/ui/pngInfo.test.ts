import { describe, expect, it } from "vitest";
import { encodePng } from "../png/encodePng";
import { describePngError, readSettingsFile, samplerFor, settingsFromPng } from "./pngInfo";

const pixels = new Uint8Array(4 * 4 * 4).fill(128);
const a1111 = [
  "a cat in a hat, (masterpiece:1.2)",
  "Negative prompt: blurry, lowres",
  'Steps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 1234567, Size: 96x64, Model hash: 6ce0161689, Model: v1-5, Lora hashes: "a: 1, b: 2", Version: v1.10.1',
].join("\n");

describe("samplerFor", () => {
  it("maps A1111's sampler and schedule type, in both the old and the new spelling", () => {
    expect(samplerFor("DPM++ 2M", "Karras")).toBe("DPM++ 2M Karras");
    expect(samplerFor("DPM++ 2M Karras")).toBe("DPM++ 2M Karras");
    expect(samplerFor("Euler", "Karras")).toBe("Euler Karras");
    expect(samplerFor("euler a")).toBe("Euler a");
    expect(samplerFor("UniPC", "Automatic")).toBe("UniPC");
  });

  it("has no match for samplers we lack", () => {
    expect(samplerFor("DPM++ SDE", "Karras")).toBeUndefined();
    expect(samplerFor("Heun")).toBeUndefined();
  });
});

describe("settingsFromPng", () => {
  it("fills prompt, negative prompt, seed, steps, sampler, guidance and size from an AUTOMATIC1111 PNG", () => {
    const png = encodePng(pixels, 4, 4, { parameters: a1111 });
    expect(settingsFromPng(png)).toEqual({
      settings: {
        prompt: "a cat in a hat, (masterpiece:1.2)",
        negativePrompt: "blurry, lowres",
        steps: 28,
        guidance: 6.5,
        seed: 1234567,
        width: 96,
        height: 64,
        sampler: "DPM++ 2M Karras",
      },
      notes: [],
    });
  });

  it("keeps the form's sampler, and says so, when the PNG's is unknown here", () => {
    const png = encodePng(pixels, 4, 4, {
      parameters: "cat\nSteps: 30, Sampler: DPM++ 2M SDE, Schedule type: Exponential, CFG scale: 7, Seed: 1, Size: 64x64",
    });
    const { settings, notes } = settingsFromPng(png);
    expect(settings.sampler).toBeUndefined();
    expect(notes).toEqual(["The sampler “DPM++ 2M SDE (Exponential)” is not available here, so the form keeps its own."]);
  });
});

describe("readSettingsFile", () => {
  const fail = async (bytes: Uint8Array) => {
    const result = await readSettingsFile(new Blob([bytes as Uint8Array<ArrayBuffer>]));
    if (result.ok) throw new Error("expected a failure");
    return result.message;
  };

  it("says a PNG without parameters has none", async () => {
    expect(await fail(encodePng(pixels, 4, 4))).toBe("This PNG has no generation parameters.");
  });

  it("says a truncated PNG is truncated", async () => {
    const png = encodePng(pixels, 4, 4, { parameters: a1111 });
    expect(await fail(png.subarray(0, png.length - 30))).toMatch(/^The PNG file is truncated/);
  });

  it("says a JPEG or any other file is not a PNG", async () => {
    expect(await fail(Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 0x10))).toBe("This file is not a PNG image.");
    expect(await fail(new Uint8Array())).toBe("This file is not a PNG image.");
  });

  it("explains parameters text it cannot read", async () => {
    const message = await fail(encodePng(pixels, 4, 4, { parameters: '{"prompt": "json, Fooocus style"}' }));
    expect(message).toMatch(/^This PNG's generation parameters could not be read: .*JSON/);
  });

  it("reads a good file", async () => {
    const result = await readSettingsFile(new Blob([encodePng(pixels, 4, 4, { parameters: a1111 }) as Uint8Array<ArrayBuffer>]));
    expect(result.ok && result.value.settings.seed).toBe(1234567);
  });
});

describe("describePngError", () => {
  it("never shows more than a sentence for unexpected errors", () => {
    expect(describePngError(new TypeError("boom"))).toBe("This file could not be read (boom).");
    expect(describePngError("weird")).toBe("This file could not be read.");
  });
});
