import { configDefaults, defineConfig } from "vitest/config";

/**
 * Quality and parity tests that run real models for many steps: the full suite (`npm run test:unit`) runs them,
 * the fast tier (`npm run test:fast`, project "fast") leaves them out.
 */
const SLOW = [
  "tools/tiny-model/samplerQuality.test.ts", // every sampler for 20 steps on the built-in model
  "src/models/twins.test.ts", // each catalog model's twin against diffusers' images
  "src/**/*.twin.test.ts", // the same for conditioning and LoRA
  "src/storage/sdxlHub.test.ts", // an SDXL twin downloaded, cached, loaded and run
  "src/engine/tinyModel.test.ts", // the built-in models' ONNX files against PyTorch's outputs
  "src/engine/tinyXl.test.ts",
  "src/engine/quantized.test.ts", // the 4-bit U-Net's error bounds against fp32
  "src/png/largeText.test.ts", // 10 MB texts and a zTXt bomb
];

const shared = {
  environment: "node",
  testTimeout: 60_000,
  // onnxruntime-node sessions are heavy; one file at a time keeps two cores responsive
  fileParallelism: false,
} as const;

export default defineConfig({
  test: {
    ...shared,
    projects: [
      {
        test: {
          ...shared,
          name: "fast",
          // one module graph for all files halves the tier's CPU time; the full suite still isolates each file
          isolate: false,
          include: ["src/**/*.test.ts", "workers/**/*.test.ts", "tools/**/*.test.ts"],
          exclude: [...configDefaults.exclude, ...SLOW],
        },
      },
      { test: { ...shared, name: "slow", include: SLOW } },
    ],
  },
});
