import { defaultClientConditions, defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

// Workspace packages (@baton/protocol, @baton/client) resolve to their TypeScript source in
// the repository through this export condition (tsconfig's customConditions says the same);
// Vite's own defaults follow unchanged.
const SOURCE_CONDITION = "@baton/source";

export default defineConfig({
  resolve: { conditions: [SOURCE_CONDITION, ...defaultClientConditions] },
  ssr: { resolve: { conditions: [SOURCE_CONDITION, ...defaultServerConditions] } },
  test: {
    // Colyseus calls process.send("ready") when it listens, which collides with the
    // child-process pool's IPC channel; worker threads have no such channel.
    pool: "threads",
    include: ["shared/**/*.test.ts", "server/**/*.test.ts", "client/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
