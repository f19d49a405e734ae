import { describe, expect, it } from "vitest";
import { errorTitle } from "./errorTitles";

describe("error titles", () => {
  it("names the engine's errors in words a user reads", () => {
    expect(errorTitle("ShaderF16UnsupportedError")).toBe("This GPU can't run half precision");
    expect(errorTitle("WebGPUUnavailableError")).toBe("WebGPU is not available here");
    expect(errorTitle("Error")).toBe("Something went wrong");
  });

  it("spells out a name it does not know, keeping acronyms whole", () => {
    expect(errorTitle("DeviceLostError")).toBe("Device lost");
    expect(errorTitle("GPUOutOfMemoryError")).toBe("GPU out of memory");
    expect(errorTitle("")).toBe("Something went wrong");
  });
});
