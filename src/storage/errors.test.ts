import { describe, expect, it } from "vitest";
import { serializeError } from "../errors";
import { formatBytes, QuotaExceededError, ModelNotDownloadedError, STORAGE_ERRORS } from "./errors";

describe("storage errors", () => {
  it("cross the worker boundary and are rebuilt by name with their data", () => {
    const errors = [
      QuotaExceededError.of({ model: "SD-Turbo", modelBytes: 2_583_000_000, available: 1_000_000, stored: 0 }),
      ModelNotDownloadedError.of("SD-Turbo", 2, 6),
    ];
    for (const err of errors) {
      const wire = serializeError(err);
      const Rebuilt = STORAGE_ERRORS[wire.name as keyof typeof STORAGE_ERRORS];
      const back = new Rebuilt(wire.message, wire.data);
      expect(back).toBeInstanceOf(err.constructor);
      expect(back).toMatchObject({ name: err.name, message: err.message, data: err.data });
    }
    expect(Object.entries(STORAGE_ERRORS).every(([name, E]) => new E("m").name === name)).toBe(true);
  });

  it("writes sizes as people read them", () => {
    expect([formatBytes(512), formatBytes(99_100_000), formatBytes(1_732_687_681)]).toEqual(["1 kB", "99 MB", "1.73 GB"]);
  });
});
