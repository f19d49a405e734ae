import { defineConfig } from "@playwright/test";

/** Debian's Chromium: Playwright's own browser download does not work on our machines. */
const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const baseArgs = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
// E2E_PORT lets two checkouts run their end-to-end tests side by side
const PORT = Number(process.env.E2E_PORT ?? 4173);

export default defineConfig({
  testDir: "e2e",
  timeout: 120_000,
  expect: { timeout: 60_000 },
  fullyParallel: false,
  workers: 1,
  reporter: [["list"]],
  use: {
    baseURL: `http://localhost:${PORT}`,
    acceptDownloads: true,
    launchOptions: { executablePath: chromium, args: baseArgs },
  },
  projects: [
    { name: "wasm", testIgnore: /webgpu\.spec\.ts/ },
    {
      name: "webgpu",
      testMatch: /webgpu\.spec\.ts/,
      use: { launchOptions: { executablePath: chromium, args: [...baseArgs, "--enable-unsafe-webgpu"] } },
    },
  ],
  webServer: {
    command: `npx vite preview --port ${PORT} --strictPort`,
    url: `http://localhost:${PORT}`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
  },
});
