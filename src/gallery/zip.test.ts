import { unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { thumbnailSize } from "./thumbnail";
import { imageFileName, zipFiles } from "./zip";

describe("zipFiles", () => {
  it("stores every file, renaming duplicates instead of dropping them", () => {
    const zip = zipFiles([
      { name: "a.png", bytes: Uint8Array.of(1, 2) },
      { name: "a.png", bytes: Uint8Array.of(3) },
      { name: "b.png", bytes: Uint8Array.of(4) },
    ]);
    const files = unzipSync(zip);
    expect(Object.keys(files).sort()).toEqual(["a (2).png", "a.png", "b.png"]);
    expect([...files["a (2).png"]]).toEqual([3]);
  });
});

describe("imageFileName", () => {
  it("keeps letters and digits of the prompt in any script", () => {
    expect(imageFileName("tiny-shapes", 42, "A red star, on *blue*!")).toBe("tiny-shapes-42-a-red-star-on-blue.png");
    expect(imageFileName("m", 1, "日本の 猫")).toBe("m-1-日本の-猫.png");
    expect(imageFileName("m", 7, "   ")).toBe("m-7.png");
  });

  it("shortens long prompts without a trailing dash", () => {
    const name = imageFileName("m", 1, "word ".repeat(30));
    expect(name.length).toBeLessThanOrEqual("m-1-".length + 40 + ".png".length);
    expect(name).not.toMatch(/-\.png$/);
  });
});

describe("thumbnailSize", () => {
  it("scales the longest side down to the limit and never enlarges", () => {
    expect(thumbnailSize(512, 256)).toEqual({ width: 128, height: 64 });
    expect(thumbnailSize(64, 64)).toEqual({ width: 64, height: 64 });
    expect(thumbnailSize(2000, 10, 100)).toEqual({ width: 100, height: 1 });
  });
});
