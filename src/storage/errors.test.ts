import { describe, expect, it } from "vitest";
import { formatBytes, QuotaExceededError } from "./errors";

describe("storage errors", () => {
  it("writes sizes as people read them", () => {
    expect([formatBytes(512), formatBytes(99_100_000), formatBytes(1_732_687_681)]).toEqual(["1 kB", "99 MB", "1.73 GB"]);
  });

  it("says the disk is full, not that quota is left, when a write fails far below the quota (issue 17's 250 MB disk)", () => {
    // Chromium reported a 1.07 GB quota on a 250 MB disk with 82 MB free
    const err = QuotaExceededError.of({
      model: "SD-Turbo",
      modelBytes: 2_583_000_000,
      stored: 82_000_000,
      figures: { usage: 150_000_000, quota: 1_220_000_000 },
      others: [
        { name: "SDXL-Turbo", bytes: 0 },
        { name: "LCM Dreamshaper", bytes: 40_000_000 },
      ],
    });
    expect(err.message).toBe(
      "SD-Turbo needs about 2.58 GB, but this device's disk is full (this site stores 150 MB, within the 1.22 GB the browser would allow it). " +
        "82 MB already downloaded are kept: to make room, delete another model (LCM Dreamshaper (40 MB)) or images in the gallery, or free disk space; " +
        "then start the download again to resume.",
    );
    expect(err.message).not.toMatch(/left/);
  });
});
