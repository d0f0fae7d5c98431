import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Colyseus calls process.send("ready") when it listens, which collides with the
    // child-process pool's IPC channel; worker threads have no such channel.
    pool: "threads",
    include: ["shared/**/*.test.ts", "server/**/*.test.ts", "client/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
