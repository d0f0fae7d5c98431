/**
 * Restart recovery end to end, on each durable store: the real server runs as a separate
 * process on a data directory (SQLite) or a PostgreSQL schema; a simulated device (raw
 * protocol) and an owner (SDK) run sessions; the server is SIGKILLed while a run is in
 * flight and started again on the same data. Afterwards the device and the owner continue
 * the same session at the same epoch, the owner gets the result exactly once, and a stale
 * report from before the crash is still refused. Then: a result whose ack was lost, re-sent
 * after another crash, is one row and one delivery. Last, the one message that no longer waits
 * for its commit (docs/DESIGN.md, "Message ordering against commits"): the owner's `result`,
 * with the server killed after the owner got it and before its commit.
 *
 * And the outage rule (issue 21 item 2) on the built production server (`node
 * dist/server/index.js`): a run whose deadline is shorter than the restart, its result held
 * by the device through the outage, is credited to its owner after the restart — not ended
 * RUN_TIMEOUT before the device could come back.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatonClient } from "../../client/src/sdk/batonClient.ts";
import { joinDevice, type DeviceSession } from "../support/deviceSession.ts";
import { startSimulatedDevice, type SimulatedDevice } from "../../client/src/simulator/index.ts";
import { INSTRUMENTS } from "../../client/src/simulator/instruments.ts";
import { openStore } from "@baton/server/adapters/openStore.ts";
import { UserTokens } from "@baton/server/auth/userTokens.ts";
import { runCli } from "@baton/server/cli/baton.ts";
import { loadStoreConfig } from "@baton/server/config/config.ts";
import { freePort } from "../support/baton.ts";
import { createTestSchema, type TestSchema } from "../support/postgres.ts";
import { buildProduction, type ProductionBuild } from "../support/productionBuild.ts";
import { spawnServer, stopAllServers, type ServerProcess } from "../support/serverProcess.ts";
import { waitFor } from "../support/waitFor.ts";

const JWT_SECRET = "restart-test-jwt-secret-0123456789abcdef";
const DEVICE_ID = "scale-restart";
const tokens = new UserTokens(JWT_SECRET);
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The server as its own process on `port` (from source, or the build's `entry`), answering once its banner is out. */
async function startServerProcess(port: number, env: Record<string, string>, entry?: string): Promise<ServerProcess> {
  const server = await spawnServer({ ...env, BATON_PORT: String(port) }, { entry });
  // Generous: a loaded two-core machine (tests side by side) takes long to start tsx.
  await server.ready(60_000);
  return server;
}
/** Each step bounded: leaving a room whose server was killed may never settle. */
const bounded = (promise: Promise<unknown>) => Promise.race([promise.catch(() => undefined), settle(2_000)]);

interface StoreUnderTest {
  name: string;
  prepare(): Promise<{ env: Record<string, string>; cleanup(): Promise<void> }>;
}

const stores: StoreUnderTest[] = [
  {
    name: "SQLite",
    async prepare() {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), "baton-restart-"));
      return { env: { BATON_DATA_DIR: dataDir }, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
    },
  },
  {
    name: "PostgreSQL",
    async prepare() {
      const schema: TestSchema = await createTestSchema();
      return { env: { DATABASE_URL: schema.url, BATON_DATABASE_SCHEMA: schema.schema }, cleanup: () => schema.drop() };
    },
  },
];

for (const store of stores) {
  describe(`restart recovery on ${store.name}`, () => {
    let env: Record<string, string>;
    let cleanup: () => Promise<void>;
    let port: number;
    let server: ServerProcess;
    let device: SimulatedDevice;
    const owners: DeviceSession[] = [];

    async function owner(): Promise<DeviceSession> {
      const session = await joinDevice({ url: server.httpUrl, token: await tokens.issue({ userId: "alice", name: "Alice" }), deviceId: DEVICE_ID });
      owners.push(session);
      return session;
    }

    async function crashAndRestart(extra: Record<string, string> = {}) {
      await server.stop("SIGKILL");
      server = await startServerProcess(port, { ...serverEnv(), ...extra });
    }

    const serverEnv = () => ({ ...env, BATON_ENV: "production", BATON_JWT_SECRET: JWT_SECRET, BATON_OWNER_IDLE_TIMEOUT_MS: "0", BATON_RETENTION_DAYS: "0" });

    async function storedResults(): Promise<{ runId: string; epoch: number }[]> {
      const response = await fetch(`${server.httpUrl}/results?limit=100`, { headers: { authorization: `Bearer ${await tokens.issue({ userId: "alice" })}` } });
      return (await response.json()).results;
    }

    beforeAll(async () => {
      ({ env, cleanup } = await store.prepare());
      const added = await runCli(["device", "add", DEVICE_ID, "--label", "Restart scale", "--kind", "scale"], env);
      expect(added.code, added.output).toBe(0);
      const secret = /secret: (\S+)/.exec(added.output)![1];
      port = await freePort();
      server = await startServerProcess(port, serverEnv());
      device = await startSimulatedDevice({
        url: server.httpUrl, deviceId: DEVICE_ID, secret, instrument: "scale", autoComplete: false, speed: 50, heartbeatIntervalMs: 1_000,
        reconnect: { baseDelayMs: 100, maxDelayMs: 400, maxAttempts: 1_000 },
      });
    });

    afterAll(async () => {
      await Promise.all([...owners.map((session) => bounded(session.leave())), bounded(device?.close() ?? Promise.resolve())]);
      await stopAllServers();
      await cleanup?.();
    });

    it("SIGKILL mid-run, restart on the same data: same epoch, the owner gets the result exactly once, a stale report is still refused", async () => {
      const before = await owner();
      await waitFor(() => before.state.device.online, 5_000, "device online");

      // Session 1 (epoch 1): one run, completed, released.
      let awaiting = device.waitFor("jobAwaitingCompletion");
      before.claim({ sessionType: "weighing", input: { userAge: 30 } });
      const firstRun = await awaiting;
      device.complete({ output: { weight: 61.0, unit: "kg", stable: true } });
      expect((await before.nextResult()).runId).toBe(firstRun.runId);
      before.release();
      await waitFor(() => before.state.session.phase === "idle", 5_000, "released");

      // Session 2 (epoch 2): a run in flight when the server dies.
      awaiting = device.waitFor("jobAwaitingCompletion");
      before.claim({ sessionType: "weighing", input: { userAge: 31 } });
      const inFlight = await awaiting;
      expect(inFlight.epoch).toBe(2);
      await crashAndRestart();

      // The device comes back by itself and resumes the run the restarted room still has.
      const resumed = device.waitFor("jobResumed", { timeoutMs: 15_000 });
      const after = await owner();
      expect(await resumed).toMatchObject({ runId: inFlight.runId, epoch: 2 });
      await waitFor(() => after.state.device.online && after.state.session.ownerId === "alice", 5_000, "the owner holds the device again");
      expect(after.state.session.epoch).toBe(2);
      expect(after.state.session.phase).toBe("running");
      expect(after.state.session.runId).toBe(inFlight.runId);

      // A report from before the crash (session 1's epoch) is still refused.
      const mark = device.mark();
      device.sendRaw("progress", { epoch: 1, runId: firstRun.runId, progress: 0.5 });
      expect(await device.next("error", { after: mark })).toMatchObject({ code: "STALE_EPOCH", request: "progress" });

      device.complete({ output: { weight: 62.5, unit: "kg", stable: true } });
      const result = await after.nextResult();
      expect(result).toMatchObject({ runId: inFlight.runId, output: { weight: 62.5 } });
      await waitFor(() => device.heldResultRunIds.length === 0, 5_000, "the device got its ack");
      await settle(500);
      expect(after.results.filter((message) => message.runId === inFlight.runId)).toHaveLength(1);
      expect(before.results.filter((message) => message.runId === inFlight.runId)).toHaveLength(0);
      expect((await storedResults()).filter((stored) => stored.runId === inFlight.runId)).toEqual([expect.objectContaining({ epoch: 2 })]);
      after.release();
      await waitFor(() => after.state.session.phase === "idle", 5_000, "released");
    });

    it("a result re-sent after a lost ack and a restart is one row and one delivery", async () => {
      const first = await owner();
      await waitFor(() => first.state.device.online, 5_000, "device online");
      const awaiting = device.waitFor("jobAwaitingCompletion");
      first.claim({ sessionType: "weighing", input: { userAge: 32 } });
      const job = await awaiting;
      expect(job.epoch).toBe(3); // epochs went on across the restart: never reused
      const report = { epoch: job.epoch, runId: job.runId, output: { weight: 63.3, unit: "kg", stable: true } };

      // Sent raw: the room stores it, delivers it and acks, but the device does not take the ack (it was "lost").
      let mark = device.mark();
      device.sendRaw("result", report);
      expect((await first.nextResult()).runId).toBe(job.runId);
      await device.next("ack", { after: mark });
      // The owner's client acknowledged the result (result_ack); once the store has that, it is
      // handed over for good. (Killed before, the result would come again at the next join:
      // at least once, deduplicated by run id.)
      const acknowledged = async () => {
        const direct = await openStore(loadStoreConfig(env));
        try {
          return (await direct.results.findByRunId(DEVICE_ID, job.runId))?.handedOverAt != null;
        } finally {
          await direct.close();
        }
      };
      for (let poll = 0; poll < 50 && !(await acknowledged()); poll++) await settle(100);
      expect(await acknowledged()).toBe(true);
      await crashAndRestart();

      // After the restart the device sends the same result again, as a device whose ack was lost does.
      await waitFor(() => device.connected, 15_000, "device reconnected");
      await settle(200);
      mark = device.mark();
      device.sendRaw("result", report);
      expect(await device.next("ack", { after: mark })).toEqual({ runId: job.runId });
      const second = await owner();
      await waitFor(() => second.state.device.online, 5_000, "owner back");
      await settle(500);
      expect(first.results.filter((message) => message.runId === job.runId)).toHaveLength(1);
      expect(second.results.filter((message) => message.runId === job.runId)).toHaveLength(0); // handed over already: not again
      expect((await storedResults()).filter((stored) => stored.runId === job.runId)).toHaveLength(1);

      const direct = await openStore(loadStoreConfig(env));
      try {
        expect(await direct.results.findByRunId(DEVICE_ID, job.runId)).toMatchObject({ epoch: 3, userId: "alice", handedOverAt: expect.any(Number) });
        expect(await direct.results.findOrphan(DEVICE_ID, job.runId)).toBeUndefined(); // a duplicate, not an orphan
        expect((await direct.history.listSessions(DEVICE_ID, 10)).map((session) => [session.epoch, session.endReason])).toEqual([[3, null], [2, "released"], [1, "released"]]);
        expect((await direct.audit.list({ deviceId: DEVICE_ID, limit: 20 })).map((entry) => entry.action)).toEqual(["claim", "release", "claim", "release", "claim", "register"]);
      } finally {
        await direct.close();
      }
    });

    it("SIGKILL after the owner got a result and before its commit: the device re-sends it, same epoch, the owner has it exactly once after dedupe, one row, no two holders", async () => {
      // The result's commit is held back, so that the kill lands between the owner's `result`
      // (which leaves while its commit is in flight) and the commit itself.
      await crashAndRestart({ BATON_TEST_HOLD_RESULT_COMMIT_MS: "30000" });
      const before = await owner();
      await waitFor(() => before.state.device.online && before.state.session.ownerId === "alice", 15_000, "alice holds epoch 3 again");
      before.release();
      await waitFor(() => before.state.session.phase === "idle", 5_000, "released");
      const awaiting = device.waitFor("jobAwaitingCompletion");
      before.claim({ sessionType: "weighing", input: { userAge: 34 } });
      const job = await awaiting;
      expect(job.epoch).toBe(4);
      device.complete({ output: { weight: 64.4, unit: "kg", stable: true } });
      expect(await before.nextResult()).toMatchObject({ runId: job.runId, output: { weight: 64.4 } });

      // The owner has the result; the store does not yet, and the device has no ack.
      const storedRow = async () => {
        const direct = await openStore(loadStoreConfig(env));
        try {
          return await direct.results.findByRunId(DEVICE_ID, job.runId);
        } finally {
          await direct.close();
        }
      };
      expect(await storedRow()).toBeUndefined();
      expect(device.heldResultRunIds).toContain(job.runId);
      await crashAndRestart();

      // The device comes back, still holding the result, and re-sends it until its ack.
      await waitFor(() => device.heldResultRunIds.length === 0, 20_000, "the device re-sent its result and got its ack");
      const after = await owner();
      await waitFor(() => after.state.device.online && after.state.session.ownerId === "alice", 10_000, "the owner holds the device again");
      expect(after.state.session.epoch).toBe(4);
      await waitFor(() => after.results.some((message) => message.runId === job.runId), 10_000, "the result handed over again");
      await settle(500);
      // At least once on each side of the crash; exactly once after deduplication by run id.
      const seen = [...before.results, ...after.results].filter((message) => message.runId === job.runId);
      expect(before.results.filter((message) => message.runId === job.runId)).toHaveLength(1);
      expect(after.results.filter((message) => message.runId === job.runId)).toHaveLength(1);
      expect(new Set(seen.map((message) => message.runId)).size).toBe(1);
      expect(seen.every((message) => (message.output as { weight: number }).weight === 64.4)).toBe(true);
      expect(await storedRow()).toMatchObject({ epoch: 4, userId: "alice" });
      expect((await storedResults()).filter((stored) => stored.runId === job.runId)).toHaveLength(1);

      // No two holders of one epoch: every stored session has its own epoch, epoch 4 is alice's.
      const direct = await openStore(loadStoreConfig(env));
      try {
        const sessions = await direct.history.listSessions(DEVICE_ID, 20);
        expect(new Set(sessions.map((session) => session.epoch)).size).toBe(sessions.length);
        expect(sessions.find((session) => session.epoch === 4)).toMatchObject({ userId: "alice" });
        expect(await direct.results.findOrphan(DEVICE_ID, job.runId)).toBeUndefined();
      } finally {
        await direct.close();
      }
      after.release();
      await waitFor(() => after.state.session.phase === "idle", 5_000, "released");
    });
  });
}

/** The scale's session type with a deadline far shorter than the restart below. */
const SHORT_WEIGHING = { ...INSTRUMENTS.scale.sessionTypes[0]!, maxDurationMs: 2_000 };
const OUTAGE_MS = 4_000;
const OUTAGE_DEVICE = "scale-outage";

describe("the outage rule on the built production server", () => {
  let build: ProductionBuild;

  beforeAll(async () => {
    build = await buildProduction();
  }, 180_000);

  afterAll(() => build?.remove());

  for (const store of stores) {
    it(`${store.name}: SIGKILL mid-run, a run deadline shorter than the restart: the device comes back and the owner gets the result, not a timeout`, async () => {
      const { env, cleanup } = await store.prepare();
      const sessions: DeviceSession[] = [];
      let device: SimulatedDevice | undefined;
      try {
        const added = await runCli(["device", "add", OUTAGE_DEVICE, "--label", "Outage scale", "--kind", "scale"], env);
        expect(added.code, added.output).toBe(0);
        const secret = /secret: (\S+)/.exec(added.output)![1];
        const port = await freePort();
        const serverEnv = { ...env, BATON_ENV: "production", BATON_JWT_SECRET: JWT_SECRET, BATON_OWNER_IDLE_TIMEOUT_MS: "0", BATON_RETENTION_DAYS: "0" };
        let server = await startServerProcess(port, serverEnv, build.entry);
        device = await startSimulatedDevice({
          url: server.httpUrl, deviceId: OUTAGE_DEVICE, secret, instrument: "scale", autoComplete: false, speed: 50, heartbeatIntervalMs: 1_000,
          sessionTypes: [SHORT_WEIGHING], reconnect: { baseDelayMs: 100, maxDelayMs: 400, maxAttempts: 1_000 },
        });
        const join = async () => {
          const session = await joinDevice({ url: server.httpUrl, token: await tokens.issue({ userId: "alice", name: "Alice" }), deviceId: OUTAGE_DEVICE });
          sessions.push(session);
          return session;
        };
        const before = await join();
        await waitFor(() => before.state.device.online, 5_000, "device online");
        const awaiting = device.waitFor("jobAwaitingCompletion");
        before.claim({ sessionType: "weighing", input: { userAge: 30 } });
        const job = await awaiting;

        // The server dies; the device finishes the measurement meanwhile and holds the result.
        await server.stop("SIGKILL");
        device.complete({ output: { weight: 70.1, unit: "kg", stable: true } });
        await settle(OUTAGE_MS); // the run's 2 s deadline passes while nobody can hear the device
        server = await startServerProcess(port, serverEnv, build.entry);

        await waitFor(() => device!.connected, 15_000, "device reconnected");
        const after = await join();
        const result = await after.nextResult(15_000);
        expect(result).toMatchObject({ runId: job.runId, output: { weight: 70.1 } });
        await waitFor(() => device!.heldResultRunIds.length === 0, 5_000, "the device got its ack");
        expect(after.failures).toEqual([]);
        const direct = await openStore(loadStoreConfig(env));
        try {
          expect(await direct.results.findByRunId(OUTAGE_DEVICE, job.runId)).toMatchObject({ epoch: job.epoch, userId: "alice" });
          expect(await direct.results.findOrphan(OUTAGE_DEVICE, job.runId)).toBeUndefined();
          expect(await direct.history.findRun(OUTAGE_DEVICE, job.runId)).toMatchObject({ ok: true });
        } finally {
          await direct.close();
        }
      } finally {
        await Promise.all([...sessions.map((session) => bounded(session.leave())), bounded(device?.close() ?? Promise.resolve())]);
        await stopAllServers();
        await cleanup();
      }
    }, 90_000);
  }
});

describe("the SDK comes back by itself (issue 21 item 5)", () => {
  it("a run in flight across a SIGKILL and restart settles with its result; the handle says reconnecting, then open", async () => {
    const { env, cleanup } = await stores[0]!.prepare(); // SQLite
    let device: SimulatedDevice | undefined;
    let client: BatonClient | undefined;
    try {
      const deviceId = "scale-sdk-restart";
      const added = await runCli(["device", "add", deviceId, "--label", "SDK scale", "--kind", "scale"], env);
      expect(added.code, added.output).toBe(0);
      const secret = /secret: (\S+)/.exec(added.output)![1];
      const port = await freePort();
      const serverEnv = { ...env, BATON_ENV: "production", BATON_JWT_SECRET: JWT_SECRET, BATON_OWNER_IDLE_TIMEOUT_MS: "0", BATON_RETENTION_DAYS: "0" };
      let server = await startServerProcess(port, serverEnv);
      device = await startSimulatedDevice({
        url: server.httpUrl, deviceId, secret, instrument: "scale", autoComplete: false, speed: 50, heartbeatIntervalMs: 1_000,
        reconnect: { baseDelayMs: 100, maxDelayMs: 400, maxAttempts: 1_000 },
      });
      client = new BatonClient(server.httpUrl, { token: await tokens.issue({ userId: "alice", name: "Alice" }) });
      const handle = client.device(deviceId);
      const states: string[] = [];
      handle.on("connection", (state) => states.push(state));
      await handle.until((view) => view.device.online, { timeoutMs: 5_000 });
      await handle.claim();
      const awaiting = device.waitFor("jobAwaitingCompletion");
      const running = handle.run("weighing", { userAge: 30 });
      running.catch(() => undefined);
      const job = await awaiting;

      await server.stop("SIGKILL");
      device.complete({ output: { weight: 80.2, unit: "kg", stable: true } });
      await settle(1_500);
      server = await startServerProcess(port, serverEnv);

      const result = await Promise.race([running, settle(30_000).then(() => { throw new Error("the run did not settle within 30 s"); })]);
      expect(result).toMatchObject({ runId: job.runId, output: { weight: 80.2 } });
      await handle.until((view) => view.connection === "open" && view.isMine, { timeoutMs: 10_000 });
      expect(states).toContain("reconnecting");
      await handle.leave();
    } finally {
      await bounded(device?.close() ?? Promise.resolve());
      await stopAllServers();
      await cleanup();
    }
  }, 90_000);
});
