/**
 * The README's load-test command, run during the quick tour, leaves the quick tour's
 * simulators connected (issue 22 item 5): the tool registers devices of its own and deletes
 * them when it ends, and refuses to connect as an existing device that is connected — doing
 * so would take the device's seat and kick the simulator (or the real instrument) off.
 *
 * A development server as `npm run dev` starts it, `npm run simulate` for scale-1 as the
 * quick tour runs it, then the README's `npm run loadtest` line (its duration shortened).
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { spawnServer, stopAllServers, type ServerProcess } from "../support/serverProcess.ts";
import { waitFor } from "../support/waitFor.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const childEnv = () => ({ ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("BATON_"))), TSX_TSCONFIG_PATH: path.join(root, "tsconfig.json") });

let server: ServerProcess;
let simulator: ChildProcess;
let simulatorOutput = "";

async function devToken(userId: string): Promise<string> {
  const response = await fetch(`${server.httpUrl}/dev/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ userId }) });
  return ((await response.json()) as { token: string }).token;
}

async function devices(): Promise<Array<{ deviceId: string; status: { online: boolean } }>> {
  const response = await fetch(`${server.httpUrl}/devices?limit=100`, { headers: { authorization: `Bearer ${await devToken("observer")}` } });
  return ((await response.json()) as { devices: Array<{ deviceId: string; status: { online: boolean } }> }).devices;
}

const scaleOnline = async () => (await devices()).find((device) => device.deviceId === "scale-1")?.status.online === true;

function runLoadtest(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--conditions=@baton/source", "--import", tsx, path.join(root, "loadtest/cli.ts"), ...args], { cwd: root, timeout: 120_000, env: childEnv() },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === "number" ? error.code : 99) : 0, stdout, stderr }));
  });
}

beforeAll(async () => {
  server = await spawnServer({ BATON_ENV: "development", BATON_DATA_DIR: await mkdtemp(path.join(tmpdir(), "baton-tour-")) });
  await server.ready();
  simulator = spawn(process.execPath, ["--conditions=@baton/source", "--import", tsx, path.join(root, "client/src/simulator/cli.ts"),
    "--device", "scale-1", "--secret", "dev-secret-scale-1", "--instrument", "scale", "--url", server.httpUrl], { cwd: root, env: childEnv(), stdio: ["ignore", "pipe", "pipe"] });
  simulator.stdout!.on("data", (chunk) => (simulatorOutput += chunk));
  simulator.stderr!.on("data", (chunk) => (simulatorOutput += chunk));
  await waitFor(() => /online \(epoch/.test(simulatorOutput), 20_000, "the simulator online");
  for (let attempt = 0; !(await scaleOnline()); attempt++) {
    if (attempt > 50) throw new Error("scale-1 is not online in GET /devices");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 60_000);

afterAll(async () => {
  if (simulator && simulator.exitCode === null) {
    simulator.kill("SIGINT");
    await new Promise((resolve) => simulator.once("exit", resolve));
  }
  await stopAllServers();
});

it("the README's load-test command uses devices of its own, deletes them, and leaves the simulator connected", async () => {
  const readme = await readFile(path.join(root, "README.md"), "utf8");
  const line = /^npm run loadtest -- (--url http:\/\/127\.0\.0\.1:2567 .*)$/m.exec(readme)?.[1];
  expect(line, "the README's load-test command").toBeDefined();
  const args = line!.replace("http://127.0.0.1:2567", server.httpUrl).replace(/--duration \S+/, "--duration 4s").split(/\s+/);
  const before = (await devices()).map((device) => device.deviceId).sort();
  const onlineBefore = simulatorOutput.length;

  const result = await runLoadtest(args);
  const context = `loadtest output:\n${result.stdout}\n${result.stderr}\nsimulator:\n${simulatorOutput}`;
  expect(result.code, context).toBe(0);
  expect(result.stdout, context).toMatch(/provisioned 3 devices lt\w+-1\.\.3 for this run/);
  expect(result.stdout, context).toMatch(/deleted the 3 devices this run registered/);

  expect((await devices()).map((device) => device.deviceId).sort(), "the run's own devices are gone").toEqual(before);
  expect(simulator.exitCode, context).toBeNull();
  expect(await scaleOnline(), context).toBe(true);
  // Not kicked and back: the simulator never lost its seat.
  expect(simulatorOutput.slice(onlineBefore), context).not.toMatch(/reconnect|closed|left|kicked|replaced/i);
}, 150_000);

it("refuses to connect as a connected device, and leaves it connected", async () => {
  const result = await runLoadtest(["--url", server.httpUrl, "--device-ids", "scale-1", "--devices", "1", "--users", "2", "--duration", "1s"]);
  expect(result.code).toBe(3);
  expect(result.stderr).toMatch(/^loadtest: scale-1 is connected: the load tool will not connect as it, which would take over its seat and disconnect it\./m);
  expect(simulator.exitCode).toBeNull();
  expect(await scaleOnline()).toBe(true);
}, 60_000);
