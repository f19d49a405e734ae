import { describe, expect, it } from "vitest";
import { loraHashesText, loraUses, promptWithLoraTags } from "./choices";

describe("loraUses", () => {
  it("reads A1111's tag forms: name, te multiplier, te and unet, named te= / unet=", () => {
    const uses = loraUses([], "x <lora:a> <lora:b:0.5> <lora:c:0.5:0.25> <lora:d:te=0.3:unet=0.7> <hypernet:h:1>");
    expect(uses).toEqual([
      { name: "a", strength: 1, fromPrompt: true },
      { name: "b", strength: 0.5, fromPrompt: true },
      { name: "c", strength: 0.5, unetStrength: 0.25, fromPrompt: true },
      { name: "d", strength: 0.3, unetStrength: 0.7, fromPrompt: true },
    ]);
  });

  it("lets a tag replace the panel's strength for the LoRA it names and keeps the others", () => {
    expect(
      loraUses(
        [
          { name: "a", strength: 1 },
          { name: "b", strength: 0.4 },
        ],
        "<lora:a:0.2>",
      ),
    ).toEqual([
      { name: "b", strength: 0.4, fromPrompt: false },
      { name: "a", strength: 0.2, fromPrompt: true },
    ]);
  });

  it("refuses a strength that is not a number", () => {
    expect(() => loraUses([], "<lora:a:strong>")).toThrow(/<lora:a:strong> has "strong" where a strength/);
  });
});

describe("parameters text", () => {
  it("appends panel LoRAs as tags and writes A1111's Lora hashes", () => {
    const uses = loraUses([{ name: "p", strength: 0.6 }], "cat <lora:t:0.5>");
    expect(promptWithLoraTags("cat <lora:t:0.5>", uses)).toBe("cat <lora:t:0.5> <lora:p:0.6>");
    expect(
      loraHashesText([
        { name: "a:b,c", hash: "0123456789ab" },
        { name: "d", hash: "ba9876543210" },
      ]),
    ).toBe("abc: 0123456789ab, d: ba9876543210");
  });
});
