import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/** Cross-origin isolation turns on SharedArrayBuffer, which multi-threaded WASM needs. */
const isolation = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

export default defineConfig({
  plugins: [react()],
  server: { headers: isolation },
  preview: { headers: isolation },
  worker: { format: "es" },
  optimizeDeps: { exclude: ["onnxruntime-web"] },
  build: { target: "es2022", chunkSizeWarningLimit: 1024 },
});
