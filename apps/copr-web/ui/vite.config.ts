// Builds the copr-web UI into apps/copr-web/dist/ui, which copr-web serves
// (COPR_WEB_UI_DIR). `vite --config apps/copr-web/ui/vite.config.ts` is a dev
// server that sends API and file requests to COPR_WEB_URL (default :8080).
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const backend = process.env.COPR_WEB_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL("../dist/ui", import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    proxy: Object.fromEntries(["/trpc", "/api", "/results", "/repos", "/healthz"].map((p) => [p, { target: backend, changeOrigin: true }])),
  },
});
