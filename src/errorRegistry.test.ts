import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { ERROR_CLASSES } from "./errorRegistry";

/** Source files of the app and its worker, tests left out. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "__fixtures__" ? [] : sources(path);
    return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [path] : [];
  });
}

describe("error registry", () => {
  it("registers each class under the name its errors carry", () => {
    for (const [name, ErrorClass] of Object.entries(ERROR_CLASSES)) expect(new ErrorClass("m").name).toBe(name);
  });

  it("holds every named error class of the app, so none comes back from the worker as a plain error", () => {
    const root = join(__dirname, "..");
    const declared = [...sources(join(root, "src")), ...sources(join(root, "workers"))].flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(/class (\w+) extends (?:AppError|namedError\()/g)].map((m) => `${relative(root, file)}: ${m[1]}`),
    );
    expect(declared.length).toBeGreaterThan(20);
    expect(declared.filter((d) => !(d.split(": ")[1] in ERROR_CLASSES))).toEqual([]);
  });
});
