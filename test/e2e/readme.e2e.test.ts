/**
 * The README's quick tour, run as a user would: the dev server as its own process
 * (`npm run dev`'s entry point), the simulator CLI, and the claim demo script.
 * Also: production mode refuses to start without its secrets.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";
import { freePort } from "../support/baton.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const running: ChildProcess[] = [];
// The dev server's SQLite store goes here rather than into the repository's ./data.
const dataDir = mkdtempSync(path.join(os.tmpdir(), "baton-readme-"));

function start(script: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ["--conditions=@baton/source", "--import", "tsx", script, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.push(child);
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    exited,
    get output() { return output; },
    async waitForOutput(pattern: RegExp, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no ${pattern} in output:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

afterAll(() => {
  // Only the processes this file started, by their own pid.
  for (const child of running) if (child.exitCode === null) child.kill("SIGTERM");
  rmSync(dataDir, { recursive: true, force: true });
});

it("runs the quick tour: dev server, simulated scale, claim script", async () => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = start("server/src/index.ts", [], { BATON_ENV: "development", BATON_PORT: String(port), BATON_DATA_DIR: dataDir });
  await server.waitForOutput(/Baton {2}— {2}development mode/);
  expect(server.output).toContain("dev tokens");
  // No database server needed: an SQLite file in the data directory, named in the banner.
  expect(server.output).toContain(`SQLite ${path.join(dataDir, "baton.sqlite")}`);
  expect((await (await fetch(`${url}/health`)).json())).toMatchObject({ status: "ok", mode: "development" });

  const simulator = start("client/src/simulator/cli.ts", ["--device", "scale-1", "--secret", "dev-secret-scale-1", "--instrument", "scale", "--url", url, "--speed", "10"]);
  await simulator.waitForOutput(/welcome/i);

  const claim = start("client/src/demo/claim.ts", ["--device", "scale-1", "--input", '{"userAge":25,"userGender":"female"}', "--url", url]);
  expect(await claim.exited).toBe(0);
  expect(claim.output).toContain('"result"');
  expect(claim.output).toMatch(/"weight": \d/);
  expect(claim.output).toContain("held by alice");
}, 60_000);

it("refuses to start in production without a JWT secret, saying what to set", async () => {
  const server = start("server/src/index.ts", [], { BATON_ENV: "production", BATON_JWT_SECRET: "", BATON_PORT: String(await freePort()) });
  expect(await server.exited).toBe(2);
  expect(server.output).toContain("BATON_JWT_SECRET must be set");
}, 30_000);

it("refuses an invalid configuration value with a sentence naming it", async () => {
  const server = start("server/src/index.ts", [], { BATON_ENV: "development", BATON_PORT: "not-a-port" });
  expect(await server.exited).toBe(2);
  expect(server.output).toContain("BATON_PORT");
}, 30_000);
