/**
 * The README's quick tour, run as a user would: the dev server as its own process
 * (`npm run dev`'s entry point), then every `npm run simulate` / `npm run demo:claim` line of
 * the quick tour exactly as written (through npm, with BATON_URL naming the test's port; the
 * simulator alone gets `--speed 10` so the 30-second print takes three), the SDK snippet of
 * "From your own code", `demo:claim --help`, and an unknown device.
 * Also: production mode refuses to start without its secrets.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";
import { freePort } from "../support/baton.ts";
import { watchOutput } from "../support/childOutput.ts";

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
  return Object.assign(watchOutput(child, { defaultTimeoutMs: 20_000 }), { stop() { stopGroup(child); } });
}

/** SIGTERM to the process group this test started (npm, its shell and the script it runs). */
function stopGroup(child: ChildProcess) {
  if (child.exitCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    // already gone
  }
}

/** `npm run <script> -- args…` with the arguments as the shell would split them (single quotes only, as the README uses). */
function npmRun(line: string, env: Record<string, string>) {
  const words = [...line.matchAll(/'([^']*)'|(\S+)/g)].map((match) => match[1] ?? match[2]);
  expect(words.slice(0, 2)).toEqual(["npm", "run"]);
  // Its own process group, so stopping it stops npm's shell, tsx and node beneath it too.
  const child = spawn("npm", words.slice(1), { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  running.push(child);
  return Object.assign(watchOutput(child, { label: line }), { stop() { stopGroup(child); } });
}

/** Until the server shows the device offline (its simulator stopped). */
async function waitForOffline(url: string, deviceId: string) {
  const { token } = await (await fetch(`${url}/dev/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ userId: "watcher" }) })).json() as { token: string };
  for (let attempt = 0; attempt < 100; attempt++) {
    const device = await (await fetch(`${url}/devices/${deviceId}`, { headers: { authorization: `Bearer ${token}` } })).json() as { status: { online: boolean } };
    if (!device.status.online) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${deviceId} still online 10 s after its simulator stopped`);
}

/** The quick tour's section of the README: its command lines and its first js block. */
function quickTour() {
  const readme = readFileSync(path.join(root, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Quick tour"), readme.indexOf("\n## ", readme.indexOf("## Quick tour") + 5));
  const lines = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((block) => block[1].split("\n")).map((line) => line.trim());
  const snippet = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  return {
    simulate: lines.filter((line) => line.startsWith("npm run simulate --")),
    claim: lines.filter((line) => line.startsWith("npm run demo:claim --")),
    snippet: snippet ?? "",
  };
}

afterAll(() => {
  // Only the processes this file started, by their own pid.
  for (const child of running) {
    if (child.exitCode !== null) continue;
    if (child.spawnargs[0] === "npm") stopGroup(child);
    else child.kill("SIGTERM");
  }
  rmSync(dataDir, { recursive: true, force: true });
});

it("runs the quick tour as written: dev server, the three simulated devices, the claim lines, the SDK snippet", async () => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = start("server/src/index.ts", [], { BATON_ENV: "development", BATON_PORT: String(port), BATON_DATA_DIR: dataDir });
  await server.waitForOutput(/Baton {2}— {2}development mode/);
  expect(server.output).toContain("dev tokens");
  // No database server needed: an SQLite file in the data directory, named in the banner.
  expect(server.output).toContain(`SQLite ${path.join(dataDir, "baton.sqlite")}`);
  expect((await (await fetch(`${url}/health`)).json())).toMatchObject({ status: "ok", mode: "development" });

  const tour = quickTour();
  expect(tour.simulate).toHaveLength(3);
  expect(tour.claim).toHaveLength(3);
  const env = { BATON_URL: url };
  const simulators = tour.simulate.map((line) => npmRun(`${line} --speed 10`, env));
  try {
    for (const simulator of simulators) await simulator.waitForOutput(/welcome/i);
    for (const line of tour.claim) {
      const claim = npmRun(line, env);
      expect(await claim.exited, `${line}\n${claim.output}`).toBe(0);
      expect(claim.output).toMatch(/result of run \S+ \((weighing|printing|analysis)\):/);
      expect(claim.output).toContain("held by alice");
      // Labelled, with the units the simulated instruments declare in their output schemas.
      if (line.includes("scale-1")) expect(claim.output).toMatch(/\n {2}Weight +\d+\.\d kg\n/);
      if (line.includes("printer-1")) expect(claim.output).toMatch(/phase running .*\d+% layer/);
      if (line.includes("printer-1")) expect(claim.output).toMatch(/\n {2}Print time +\d+ s\n {2}Filament used +\d+\.\d g\n/);
      if (line.includes("lab-1")) expect(claim.output).toMatch(/\n {2}Test +pH\n[\s\S]*\n {2}Sample temperature +\d+\.\d °C\n/);
    }

    // The SDK snippet, pasted into a file in the repository (it imports @baton/client by name).
    writeFileSync(path.join(root, "examples", ".readme-snippet.test.mjs"), tour.snippet.replace("http://127.0.0.1:2567", url));
    try {
      const snippet = start("examples/.readme-snippet.test.mjs", []);
      expect(await snippet.exited, snippet.output).toBe(0);
      expect(snippet.output).toMatch(/weight: \d+(\.\d)? kg/);
    } finally {
      rmSync(path.join(root, "examples", ".readme-snippet.test.mjs"), { force: true });
    }
  } finally {
    for (const simulator of simulators) simulator.stop();
    await Promise.all(simulators.map((simulator) => simulator.exited));
  }

  // Refusals are sentences, not stack traces: an offline device (its simulator is gone) and an unknown one.
  await waitForOffline(url, "scale-1");
  const offline = npmRun("npm run demo:claim -- --device scale-1", env);
  expect(await offline.exited).toBe(1);
  expect(offline.output).toContain("Device scale-1 is offline; it cannot be claimed until it reconnects. (DEVICE_OFFLINE)");
  const unknown = npmRun("npm run demo:claim -- --device no-such-device", env);
  expect(await unknown.exited).toBe(1);
  expect(unknown.output).toContain('No device "no-such-device" is registered. (UNKNOWN_DEVICE)');
  for (const output of [offline.output, unknown.output]) expect(output).not.toMatch(/\n\s+at /);
}, 120_000);

it("answers demo:claim --help and bad arguments with sentences", async () => {
  const help = npmRun("npm run demo:claim -- --help", {});
  expect(await help.exited).toBe(0);
  expect(help.output).toContain("usage: npm run demo:claim");
  expect(help.output).toContain("--input");
  const unknownFlag = npmRun("npm run demo:claim -- --colour blue", {});
  expect(await unknownFlag.exited).toBe(2);
  expect(unknownFlag.output).toContain("Unknown option '--colour'");
  const badInput = npmRun("npm run demo:claim -- --input not-json", {});
  expect(await badInput.exited).toBe(2);
  expect(badInput.output).toContain("--input must be a JSON object");
  const noServer = npmRun(`npm run demo:claim -- --url http://127.0.0.1:${await freePort()}`, {});
  expect(await noServer.exited).toBe(1);
  expect(noServer.output).toMatch(/Could not reach the Baton server at http:\/\/127\.0\.0\.1:\d+/);
  for (const output of [help.output, unknownFlag.output, badInput.output, noServer.output]) expect(output).not.toMatch(/\n\s+at /);
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
