/**
 * Vite configuration of the dashboard. Used by `npm run build:web` (→ client/web/dist, which
 * the server serves at / in production) and by the server's dev middleware in `npm run dev`
 * (server/src/http/dashboard.ts) — there is no separate dev server to start.
 */
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defaultClientConditions, defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  plugins: [react()],
  resolve: {
    // Workspace packages (@baton/client, @baton/protocol) resolve to their TypeScript source
    // in the repository, as everywhere else in it (tsconfig customConditions, vitest). The
    // room state classes in @baton/protocol/state use legacy decorators: esbuild takes
    // `experimentalDecorators` from the repository's tsconfig.json, the nearest to that file.
    conditions: ["@baton/source", ...defaultClientConditions],
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // The page's CSP allows no inline script; Vite's module-preload polyfill is emitted into
    // the entry chunk, not inline, and modern browsers do not need it anyway.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
