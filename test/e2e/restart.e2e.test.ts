/**
 * Restart recovery end to end, on each durable store: the real server runs as a separate
 * process on a data directory (SQLite) or a PostgreSQL schema; a simulated device (raw
 * protocol) and an owner (SDK) run sessions; the server is SIGKILLed while a run is in
 * flight and started again on the same data. Afterwards the device and the owner continue
 * the same session at the same epoch, the owner gets the result exactly once, and a stale
 * report from before the crash is still refused. Then: a result whose ack was lost, re-sent
 * after another crash, is one row and one delivery.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { joinDevice, type DeviceSession } from "../support/deviceSession.ts";
import { startSimulatedDevice, type SimulatedDevice } from "../../client/src/simulator/index.ts";
import { openStore } from "@baton/server/adapters/openStore.ts";
import { UserTokens } from "@baton/server/auth/userTokens.ts";
import { runCli } from "@baton/server/cli/baton.ts";
import { loadStoreConfig } from "@baton/server/config/config.ts";
import { freePort } from "../support/baton.ts";
import { createTestSchema, type TestSchema } from "../support/postgres.ts";
import { spawnServer, stopAllServers, type ServerProcess } from "../support/serverProcess.ts";
import { waitFor } from "../support/waitFor.ts";

const JWT_SECRET = "restart-test-jwt-secret-0123456789abcdef";
const DEVICE_ID = "scale-restart";
const tokens = new UserTokens(JWT_SECRET);
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The server as its own process on `port`, answering once its banner is out. */
async function startServerProcess(port: number, env: Record<string, string>): Promise<ServerProcess> {
  const server = await spawnServer({ ...env, BATON_PORT: String(port) });
  await server.ready();
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

    async function crashAndRestart() {
      await server.stop("SIGKILL");
      server = await startServerProcess(port, serverEnv());
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
  });
}
