import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The build is served by the forge's local runtime at / (and from CloudFront in AWS), under a CSP that allows
// only the UI's own files: no inline script, so Vite's module preload polyfill stays in the bundle.
export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, assetsInlineLimit: 0 },
});
