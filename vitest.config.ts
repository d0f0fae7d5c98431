import { existsSync } from "node:fs";
import os from "node:os";
import { defaultClientConditions, defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

// Workspace packages (@baton/protocol, @baton/client) resolve to their TypeScript source in
// the repository through this export condition (tsconfig's customConditions says the same);
// Vite's own defaults follow unchanged.
const SOURCE_CONDITION = "@baton/source";

// How many test files run at once. Most of the suite waits — on servers it started, child
// processes, sockets, timers — rather than computes, so on a 2-core machine vitest's default
// (cores − 1 = one file at a time) left the cores idle most of the run (issue 17:
// CONTRIBUTING.md has the measurements). BATON_TEST_WORKERS overrides it; 1 runs files one
// after the other, as before.
const workers = Number(process.env.BATON_TEST_WORKERS ?? Math.max(4, os.availableParallelism() * 2));

// Files that run one at a time, after all the others, with nothing beside them:
// - the cluster tests: each starts two processes on the local Redis and kills, stalls and
//   restarts them against lease deadlines (every cluster works under its own key and channel
//   prefix, so they would not meet, but they measure failover in time);
// - files whose promise is about time: no event-loop stall over 100 ms, presence within a
//   second, a chaos run's throughput within its budget, a restart within its deadline. Run
//   beside other files they would measure their neighbours' CPU, not Baton. (They assert the
//   same bounds as before; only their neighbours changed.)
// - the bench smoke, which loads both cores with its load generators;
// - the dashboard across restarts and a failover: Chromium, and server processes (two of them
//   on Redis) that it kills and starts again while the page waits to reconnect.
const SERIAL = [
  "test/cluster/**/*.test.ts",
  "test/bench.smoke.test.ts",
  "test/security/declaredSchemas.test.ts",
  "test/security/hostileValues.test.ts",
  "test/security/secretGuessing.test.ts",
  "test/security/roomEdge.test.ts",
  "test/security/dashboardPatterns.test.ts",
  "test/security/slowLoris.test.ts",
  "test/security/floods.test.ts",
  "server/src/rooms/edge/inputValidation.property.test.ts",
  "test/room/chaos.test.ts",
  "test/room/liveness.test.ts",
  "test/room/fuzz.test.ts",
  "test/e2e/restart.e2e.test.ts",
  "test/browser/restart.browser.test.ts",
  "server/src/adapters/sqlite/eventLoop.test.ts",
];

// A file moved without this list following it would silently run beside the others again.
for (const file of SERIAL) {
  if (!file.includes("*") && !existsSync(file)) throw new Error(`vitest.config.ts: the serial test ${file} does not exist; update SERIAL.`);
}

export default defineConfig({
  resolve: { conditions: [SOURCE_CONDITION, ...defaultClientConditions] },
  ssr: { resolve: { conditions: [SOURCE_CONDITION, ...defaultServerConditions] } },
  test: {
    // Colyseus calls process.send("ready") when it listens, which collides with the
    // child-process pool's IPC channel; worker threads have no such channel.
    pool: "threads",
    maxWorkers: workers,
    minWorkers: 1,
    exclude: ["**/node_modules/**", "**/dist/**"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: "suite",
          include: ["shared/**/*.test.ts", "server/**/*.test.ts", "client/**/*.test.ts", "test/**/*.test.ts"],
          exclude: ["**/node_modules/**", "**/dist/**", ...SERIAL],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "serial",
          include: SERIAL,
          poolOptions: { threads: { singleThread: true } },
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
