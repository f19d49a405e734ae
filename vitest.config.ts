import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "workers/**/*.test.ts", "tools/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    // onnxruntime-node sessions are heavy; one file at a time keeps two cores responsive
    fileParallelism: false,
  },
});
