import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

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

export default defineConfig({
  plugins: [react()],
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
