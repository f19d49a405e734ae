import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";
import { VitePWA } from "vite-plugin-pwa";

/**
 * Cross-origin isolation turns on SharedArrayBuffer, which multi-threaded WASM needs. CORP cross-origin
 * lets a cross-origin-isolated host page (COEP require-corp) load embed.html in an iframe; without it the
 * browser blocks the frame.
 */
const isolation = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "cross-origin",
};

/**
 * Installable and offline: the service worker precaches what every device uses on its first visit: the
 * app shell, ORT's plain WASM build and the built-in model's fp32 files. ORT's JSEP build (used only with
 * WebGPU), the fp16/q4 weight variants (used only with shader-f16) and the second bundled model are cached
 * at runtime, the first time a device fetches them, so a device without WebGPU never downloads them.
 * Downloaded models never go here: they live in the weight cache (IndexedDB). `bench/precache.ts` measures
 * the precache.
 */
export const PRECACHE_IGNORES = ["**/*.jsep-*.wasm", "**/*.jsep-*.mjs", "**/*_fp16.onnx", "**/*_q4.onnx", "models/tiny-shapes-xl/**"];

const pwa = VitePWA({
  registerType: "autoUpdate",
  injectRegister: "script-defer",
  manifest: {
    name: "Diffusion in your browser",
    short_name: "Diffusion",
    description: "Generate images from text with diffusion models on your own GPU, offline after the first visit.",
    theme_color: "#3b5bdb",
    background_color: "#f4f5f7",
    display: "standalone",
    start_url: ".",
    icons: [
      { src: "icons/icon-192.png", sizes: "192x192", type: "image/png" },
      { src: "icons/icon-512.png", sizes: "512x512", type: "image/png" },
      { src: "icons/maskable-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
    ],
  },
  workbox: {
    globPatterns: ["**/*.{html,js,mjs,css,wasm,png,json,onnx}"],
    globIgnores: PRECACHE_IGNORES,
    // ORT's wasm (14–28 MB) and the built-in model's U-Net are larger than Workbox's 2 MB default
    maximumFileSizeToCacheInBytes: 32 * 1024 * 1024,
    runtimeCaching: [
      {
        // what the precache leaves out, once this device has used it: then it works offline too
        urlPattern: ({ url, sameOrigin }) =>
          sameOrigin && /(\.jsep-[^/]*\.(wasm|mjs)|_fp16\.onnx|_q4\.onnx|\/models\/tiny-shapes-xl\/.*)$/.test(url.pathname),
        handler: "CacheFirst",
        options: { cacheName: "on-first-use", cacheableResponse: { statuses: [200] } },
      },
    ],
    navigateFallback: "index.html",
    navigateFallbackDenylist: [/embed\.html/],
  },
});

export default defineConfig({
  plugins: [react(), pwa],
  server: { headers: isolation },
  preview: { headers: isolation },
  worker: { format: "es" },
  optimizeDeps: { exclude: ["onnxruntime-web"] },
  build: {
    target: "es2022",
    chunkSizeWarningLimit: 1024,
    // The embed widget is its own small page: it shares the engine and store chunks, not the React UI.
    rolldownOptions: { input: { main: "index.html", embed: "embed.html" } },
  },
});
