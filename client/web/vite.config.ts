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
    rollupOptions: {
      onwarn(warning, warn) {
        // zod 4.6's own source has prose comments that mention `@__PURE__` ("Wrapped in a
        // `@__PURE__` IIFE: …") in places where no annotation can stand; Rollup warns that it
        // drops them, twice on every build, about code that is not ours and that it bundles
        // correctly. Only that warning, only from zod: any other warning still prints
        // (test/browser/browserSupport.ts `buildDashboard` fails a build that prints one).
        if (warning.code === "INVALID_ANNOTATION" && /[\\/]node_modules[\\/]zod[\\/]/.test(warning.id ?? "")) return;
        warn(warning);
      },
      output: {
        // Third-party code in chunks of its own, apart from the dashboard's: one 640 kB file
        // crossed Rollup's 500 kB warning once the telemetry chart (uPlot) came, and a page
        // update no longer makes browsers fetch the libraries again. The CSP's script-src
        // 'self' covers every chunk (same origin, no inline script).
        manualChunks(id) {
          if (!id.includes("node_modules")) return undefined;
          if (/[\\/]node_modules[\\/](react|react-dom|scheduler)[\\/]/.test(id)) return "react";
          if (/[\\/]node_modules[\\/]uplot[\\/]/.test(id)) return "uplot";
          if (/[\\/]node_modules[\\/](zod|ajv|ajv-formats|fast-uri|json-schema-traverse|fast-deep-equal)[\\/]/.test(id)) return "validation";
          return "vendor";
        },
      },
    },
  },
});
