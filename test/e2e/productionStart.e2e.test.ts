/**
 * Issue 21 item 1, "build once, start fast", on a build this test makes itself
 * (test/support/productionBuild.ts: the same tsconfig as `npm run build:server`):
 * - `npm start` never builds: without a build it prints one sentence and exits non-zero;
 * - the built server needs neither tsx nor the "@baton/source" condition, and is ready
 *   (`/readyz` 200) soon after its start — measured, with a generous sanity bound only; the
 *   figure on an idle machine is in docs/BENCHMARKS.md ("Start to ready", `npm run bench:start`);
 * - SIGTERM to the `npm start` process reaches the server and runs its graceful stop.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { measureStartToReady } from "../../scripts/measure-start.ts";
import { watchOutput } from "../support/childOutput.ts";
import { buildProduction, type ProductionBuild } from "../support/productionBuild.ts";
import { freePort } from "../support/baton.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const empty = mkdtempSync(path.join(os.tmpdir(), "baton-no-build-"));
const dataDir = mkdtempSync(path.join(os.tmpdir(), "baton-npm-start-"));
let build: ProductionBuild;
/** The environment without anything that would point the server at source or other settings. */
const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("BATON_") && !["NODE_ENV", "DATABASE_URL", "NODE_OPTIONS", "REDIS_URL"].includes(key)));

beforeAll(async () => {
  build = await buildProduction();
}, 180_000);

afterAll(() => {
  build?.remove();
  rmSync(empty, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

it("package.json: `npm start` runs the build with node (exec: signals reach it) and builds nothing", () => {
  const { scripts } = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
  expect(scripts.prestart).toBeUndefined();
  expect(scripts.start).toBe("exec node scripts/start.mjs");
  expect(scripts.build).toMatch(/build:packages.*build:server.*build:web/);
});

it("without a build, `npm start` says to run `npm run build` in one sentence and exits non-zero", async () => {
  const direct = spawn(process.execPath, [path.join(root, "scripts/start.mjs"), "--build-dir", empty], { cwd: root, env: inherited, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  direct.stderr.on("data", (chunk) => (stderr += chunk));
  const code = await new Promise((resolve) => direct.once("exit", resolve));
  expect(code).toBe(1);
  expect(stderr.trim().split("\n")).toHaveLength(1);
  expect(stderr).toMatch(/^baton: there is no build in .*; run `npm run build` once, then `npm start`\.\n$/);

  const viaNpm = spawn("npm", ["start", "--", "--build-dir", empty], { cwd: root, env: inherited, stdio: ["ignore", "pipe", "pipe"] });
  let npmStderr = "";
  viaNpm.stderr.on("data", (chunk) => (npmStderr += chunk));
  expect(await new Promise((resolve) => viaNpm.once("exit", resolve))).not.toBe(0);
  expect(npmStderr).toContain("run `npm run build` once");
}, 30_000);

it("the built server starts without tsx, answers /readyz and stops gracefully on SIGTERM", async () => {
  const measured = await measureStartToReady(build.entry, { timeoutMs: 30_000 });
  // The figure, for the log; docs/BENCHMARKS.md keeps the one from an idle machine.
  console.log(`start to /readyz from the build: ${measured.readyMs.toFixed(0)} ms wall, ${measured.readyCpuMs} ms CPU (load average ${os.loadavg()[0].toFixed(1)})`);
  // A sanity bound only: this machine runs the rest of the suite in parallel.
  expect(measured.readyMs).toBeLessThan(10_000);
  expect(measured.exitCode).toBe(0);
  expect(measured.stdout).toContain("server.stopped");
  expect(measured.stderr).toBe("");
}, 60_000);

it("SIGTERM to the `npm start` process runs the server's graceful stop (npm execs node)", async () => {
  const port = await freePort();
  const child = spawn("npm", ["start", "--", "--build-dir", build.directory], {
    cwd: root,
    env: { ...inherited, npm_config_update_notifier: "false", BATON_ENV: "production", BATON_JWT_SECRET: "npm-start-test-secret-0123456789abcdef", BATON_HOST: "127.0.0.1", BATON_PORT: String(port), BATON_DATA_DIR: dataDir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = watchOutput(child, { defaultTimeoutMs: 30_000, label: "npm start" });
  try {
    await output.waitForOutput(/Baton {2}— {2}production mode/);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    child.kill("SIGTERM");
    expect(await output.exited).toBe(0);
    expect(output.output).toContain("server.stopping");
    expect(output.output).toContain("server.stopped");
    // Nothing is left listening: the server process itself ended, not only npm.
    await expect(fetch(`http://127.0.0.1:${port}/readyz`)).rejects.toThrow();
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}, 60_000);
