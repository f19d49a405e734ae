import { describe, expect, it } from "vitest";
import { fakeEngine } from "./fakeEngine";
import { createAppStore } from "./store";
import { loadTheme, parseTheme, saveTheme } from "./theme";

/** A Storage as the browser's behaves for these calls. */
function memoryStorage(): Storage {
  const map = new Map<string, string>();
  return {
    get length() {
      return map.size;
    },
    clear: () => map.clear(),
    getItem: (k) => map.get(k) ?? null,
    key: (i) => [...map.keys()][i] ?? null,
    removeItem: (k) => void map.delete(k),
    setItem: (k, v) => void map.set(k, String(v)),
  };
}

describe("the theme setting", () => {
  it("follows the system unless light or dark was picked", () => {
    expect(["light", "dark", "system", "purple", null, undefined].map(parseTheme)).toEqual(["light", "dark", "system", "system", "system", "system"]);
  });

  it("is kept across visits, and 'system' leaves nothing behind", () => {
    const storage = memoryStorage();
    expect(loadTheme(storage)).toBe("system");
    saveTheme("dark", storage);
    expect(loadTheme(storage)).toBe("dark");
    saveTheme("system", storage);
    expect(storage.length).toBe(0);
  });

  it("keeps working when storage is refused", () => {
    const refusing = {
      getItem: () => {
        throw new DOMException("denied", "SecurityError");
      },
    };
    expect(loadTheme(refusing)).toBe("system");
  });

  it("is a field of the store, read from and written to the app's settings storage", () => {
    const settings = memoryStorage();
    settings.setItem("theme", "light");
    const store = createAppStore({ engine: fakeEngine().engine, model: { id: "m", name: "M", base: "http://x/m" }, settings });
    expect(store.getState().theme).toBe("light");
    store.getState().setTheme("dark");
    expect(store.getState().theme).toBe("dark");
    expect(settings.getItem("theme")).toBe("dark");
    const next = createAppStore({ engine: fakeEngine().engine, model: { id: "m", name: "M", base: "http://x/m" }, settings });
    expect(next.getState().theme).toBe("dark");
  });
});
