// Lint: typescript-eslint's recommended rules, React's hook rules in the UI, and the import boundaries between the
// layers (README, "Code we want to live in"), checked with ESLint's own no-restricted-imports / no-restricted-globals.
import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

/** Relative imports that leave src/engine for a main-thread folder (matched on the import string). */
const mainThreadFolder = (folders) => `^(\\.\\./)+(${folders.join("|")})(/|$)`;

const react = { group: ["react", "react/*", "react-dom", "react-dom/*", "zustand", "zustand/*"], message: "The engine knows nothing of React." };
const browserOnly = {
  group: ["idb-keyval", "workbox-window", "virtual:pwa-register", "virtual:pwa-register/*"],
  message: "The engine also runs in Node.",
};

/** The engine's import rule: no React, nothing browser-only, and none of the given main-thread folders. */
const belowTheMainThread = (folders, message) => ["error", { patterns: [react, browserOnly, { regex: mainThreadFolder(folders), message }] }];

export default defineConfig(
  {
    ignores: ["dist/", "node_modules/", "test-results/", "playwright-report/", "public/", "tools/tiny-model/.work/", "**/__fixtures__/"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: "module",
      globals: { ...globals.browser, ...globals.worker, ...globals.node },
    },
    rules: {
      // tsc (noUnusedLocals / noUnusedParameters) already reports these, with the same `_` convention
      "@typescript-eslint/no-unused-vars": "off",
    },
  },
  {
    files: ["src/ui/**/*.{ts,tsx}", "src/main.tsx"],
    plugins: { "react-hooks": reactHooks },
    rules: reactHooks.configs["recommended-latest"].rules,
  },
  {
    // Type-aware rules for the async joints (worker messages, downloads, sessions); the files tsconfig.json covers
    files: ["src/**/*.{ts,tsx}", "workers/**/*.ts", "e2e/**/*.ts", "bench/**/*.ts", "*.config.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/no-unnecessary-type-assertion": "error",
    },
  },
  {
    // The engine runs in a worker and in Node: no React, no DOM, nothing from the main thread's folders
    files: ["src/engine/**/*.ts"],
    ignores: ["src/engine/**/*.test.ts"],
    rules: {
      "no-restricted-imports": belowTheMainThread(
        ["ui", "storage", "models", "client", "embed", "gallery", "main"],
        "The engine imports only from src/engine, protocol.ts, params.ts, manifest.ts and errors.ts; pass what it needs in.",
      ),
      "no-restricted-globals": [
        "error",
        { name: "window", message: "The engine also runs in Node and in a worker; use globalThis or pass it in." },
        { name: "document", message: "The engine has no DOM; it works on RGBA bytes and tensors." },
        { name: "localStorage", message: "The engine keeps no state of its own; the caller passes it in." },
        { name: "sessionStorage", message: "The engine keeps no state of its own; the caller passes it in." },
      ],
    },
  },
  {
    // Engine tests may read the twins' references from src/models, but never reach into the UI or its stores
    files: ["src/engine/**/*.test.ts"],
    rules: {
      "no-restricted-imports": belowTheMainThread(["ui", "storage", "client", "embed", "gallery"], "Engine tests stay below the UI."),
    },
  },
  {
    // The manifest is the contract the engine reads; it cannot depend on the engine
    files: ["src/manifest.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ regex: "^\\./engine(/|$)", message: "Types the manifest needs live beside it, not in the engine." }] },
      ],
    },
  },
  {
    // The UI talks to the engine through the worker's protocol: no ONNX runtime, no engine code (types only)
    files: ["src/ui/**/*.{ts,tsx}", "src/main.tsx", "src/embed/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["onnxruntime-*", "onnxruntime-*/**"],
              message: "Only the engine loads an ONNX runtime; the UI sends it messages (protocol.ts).",
            },
            {
              regex: "^(\\.\\./)+engine(/|$)",
              allowTypeImports: true,
              message: "The UI reaches the engine through the client and protocol.ts; only types may cross.",
            },
          ],
        },
      ],
    },
  },
);
