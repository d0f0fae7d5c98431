/**
 * SIGTERM on the real entry point with a session in flight (SQLite store): /readyz turns
 * `unready`, the holder's connection is closed with 4001 (SERVER_SHUTDOWN), the process exits
 * 0 within BATON_SHUTDOWN_TIMEOUT_MS, and a server started again on the same data continues the
 * session — same epoch, same holder, same run — and delivers its result.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { joinDevice, type DeviceSession } from "../support/deviceSession.ts";
import { startSimulatedDevice, type SimulatedDevice } from "../../client/src/simulator/index.ts";
import { UserTokens } from "@baton/server/auth/userTokens.ts";
import { runCli } from "@baton/server/cli/baton.ts";
import { freePort } from "../support/baton.ts";
import { spawnServer, stopAllServers } from "../support/serverProcess.ts";
import { waitFor } from "../support/waitFor.ts";

const JWT_SECRET = "shutdown-test-jwt-secret-0123456789abcdef";
const DEVICE_ID = "scale-shutdown";
const SHUTDOWN_TIMEOUT_MS = 8_000;
const tokens = new UserTokens(JWT_SECRET);
const dataDir = mkdtempSync(path.join(os.tmpdir(), "baton-shutdown-"));
const sessions: DeviceSession[] = [];
let device: SimulatedDevice | undefined;
const bounded = (promise: Promise<unknown>) => Promise.race([promise.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 2_000))]);

afterAll(async () => {
  await Promise.all([...sessions.map((session) => bounded(session.leave())), bounded(device?.close() ?? Promise.resolve())]);
  await stopAllServers();
  rmSync(dataDir, { recursive: true, force: true });
});

it("drains, closes with 4001, exits within the bound, and a restarted server continues the session", async () => {
  const env = { BATON_DATA_DIR: dataDir, BATON_ENV: "production", BATON_JWT_SECRET: JWT_SECRET, BATON_OWNER_IDLE_TIMEOUT_MS: "0", BATON_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) };
  const added = await runCli(["device", "add", DEVICE_ID, "--kind", "scale"], env);
  expect(added.code, added.output).toBe(0);
  const secret = /secret: (\S+)/.exec(added.output)![1];
  const port = await freePort();
  let server = await spawnServer({ ...env, BATON_PORT: String(port) });
  await server.ready();
  device = await startSimulatedDevice({
    url: server.httpUrl, deviceId: DEVICE_ID, secret, instrument: "scale", autoComplete: false, speed: 50, heartbeatIntervalMs: 1_000,
    reconnect: { baseDelayMs: 100, maxDelayMs: 400, maxAttempts: 1_000 },
  });
  const owner = await joinDevice({ url: server.httpUrl, token: await tokens.issue({ userId: "alice", name: "Alice" }), deviceId: DEVICE_ID });
  sessions.push(owner);
  await waitFor(() => owner.state.device.online, 10_000, "device online");
  const awaiting = device.waitFor("jobAwaitingCompletion");
  owner.claim({ sessionType: "weighing", input: { userAge: 30 } });
  const inFlight = await awaiting;

  let closeCode: number | undefined;
  owner.room.onLeave((code: number) => (closeCode = code));
  const signalledAt = Date.now();
  server.child.kill("SIGTERM");
  const exitCode = await server.exited;
  const tookMs = Date.now() - signalledAt;
  expect(exitCode).toBe(0);
  // Generous on a loaded machine; the bound itself is what the process enforces.
  expect(tookMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 5_000);
  await waitFor(() => closeCode !== undefined, 5_000, "the owner's connection closed");
  expect(closeCode).toBe(4001);
  expect(server.stdout).toMatch(/"event":"server.stopping"/);
  expect(server.stdout).toMatch(/"event":"server.stopped"/);

  // Started again on the same data: the device resumes the same run at the same epoch.
  server = await spawnServer({ ...env, BATON_PORT: String(port) });
  await server.ready();
  const resumed = device.waitFor("jobResumed", { timeoutMs: 15_000 });
  const back = await joinDevice({ url: server.httpUrl, token: await tokens.issue({ userId: "alice", name: "Alice" }), deviceId: DEVICE_ID });
  sessions.push(back);
  expect(await resumed).toMatchObject({ runId: inFlight.runId, epoch: inFlight.epoch });
  await waitFor(() => back.state.session.ownerId === "alice" && back.state.session.phase === "running", 10_000, "alice holds the device again, run in flight");
  expect(back.state.session.epoch).toBe(inFlight.epoch);
  device.complete({ output: { weight: 63.1, unit: "kg", stable: true } });
  expect(await back.nextResult()).toMatchObject({ runId: inFlight.runId, output: { weight: 63.1 } });
}, 60_000);
