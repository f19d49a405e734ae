import { describe, expect, it } from "vitest";
import { readAhead } from "./loadModel";

describe("readAhead", () => {
  it("reads the first item alone, then the next ones while earlier ones are in use, within the byte budget", async () => {
    const log: string[] = [];
    const sizes = [1, 5, 2, 9];
    const reads = readAhead(sizes, (n) => n, async (n) => (log.push(`read ${n}`), n), 8);
    for await (const n of reads) log.push(`use ${n}`);
    // 9 bytes never fit beside the others: it is read only when nothing else is held, alone over the budget
    expect(log).toEqual(["read 1", "read 5", "read 2", "use 1", "use 5", "use 2", "read 9", "use 9"]);
  });

  it("yields in order even when a later read finishes first", async () => {
    const delays = [30, 0, 10];
    const reads = readAhead(delays, () => 1, (ms) => new Promise<number>((r) => setTimeout(() => r(ms), ms)), 100);
    const out: number[] = [];
    for await (const ms of reads) out.push(ms);
    expect(out).toEqual([30, 0, 10]);
  });
});
