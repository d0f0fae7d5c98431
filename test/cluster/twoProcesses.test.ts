/**
 * Baton as a cluster: two real server processes (the entry point `npm start` runs) sharing
 * one PostgreSQL schema and the local Redis (under a key prefix of this run), as
 * docs/SCALING.md describes. Three things it must show:
 * 1. a device that joins through process A and users who matchmake through process B share
 *    one room and a full session works;
 * 2. 50 concurrent first joins spread over both processes make exactly one room;
 * 3. a process that stalls (SIGSTOP) past the lock TTL loses the device's room to the other;
 *    when it resumes, its zombie room closes itself — never two rooms serving one device;
 * 4. SIGKILL of the process that holds the room: the device and the owner come back through
 *    the other process (behind a front that skips the dead one), the room is created there
 *    from the store, the run in flight goes on at the same epoch, and its result reaches
 *    the owner exactly once.
 * Nothing here asserts on speed; each wait is generous for a loaded two-core machine.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@colyseus/sdk";
import { DeviceRoomState } from "@baton/protocol/state";
import { DeviceSession, joinDevice } from "../support/deviceSession.ts";
import { startSimulatedDevice, type SimulatedDevice } from "../../client/src/simulator/index.ts";
import { runCli } from "@baton/server/cli/baton.ts";
import { createTestSchema, type TestSchema } from "../support/postgres.ts";
import { createTestRedis, type TestRedis } from "../support/redis.ts";
import { spawnServer, stopAllServers, type ServerProcess } from "../support/serverProcess.ts";
import { startFrontProxy, type FrontProxy } from "../support/frontProxy.ts";
import { waitFor } from "../support/waitFor.ts";
import { CLUSTER_JWT_SECRET, bounded, matchmake, settle, userToken } from "./support.ts";

// Room ids are device ids, and Colyseus' pub/sub channels are named after them and not
// prefixed: unique per run, so parallel runs on the shared Redis never meet.
const run = randomBytes(4).toString("hex");
const DEVICES = { session: `cl-${run}-session`, crowd: `cl-${run}-crowd`, stall: `cl-${run}-stall`, failover: `cl-${run}-failover` };

let schema: TestSchema;
let redis: TestRedis;
let processA: ServerProcess;
let processB: ServerProcess;
const secrets: Record<string, string> = {};
const devices: SimulatedDevice[] = [];
const sessions: DeviceSession[] = [];
let front: FrontProxy | undefined;

/** The process holding the device's room, as matchmaking through `via` reports it (seat's publicAddress). */
let lookups = 0;
async function holderOf(deviceId: string, via: ServerProcess): Promise<ServerProcess> {
  // A user of its own each time: the seat is never used, and held seats count against a user's limit.
  const seat = await matchmake(via, "joinById", deviceId, await userToken(`operator-${lookups++}`), { deviceId });
  expect(seat.status, JSON.stringify(seat.body)).toBe(200);
  const holder = [processA, processB].find((server) => seat.body.publicAddress === `127.0.0.1:${server.port}`);
  expect(holder, `publicAddress ${seat.body.publicAddress}`).toBeDefined();
  return holder!;
}

async function liveStatus(server: ServerProcess, deviceId: string): Promise<{ online: boolean; viewers: number; epoch: number }> {
  const response = await fetch(`${server.httpUrl}/devices/${deviceId}`, { headers: { authorization: `Bearer ${await userToken("operator")}` } });
  expect(response.status).toBe(200);
  return (await response.json()).status;
}

/** Joins a device room, again and again while the cluster is still finding out that a process died. */
async function joinWhenPossible(url: string, userId: string, deviceId: string, timeoutMs = 30_000): Promise<DeviceSession> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const session = await joinDevice({ url, token: await userToken(userId), deviceId });
      sessions.push(session);
      return session;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await settle(250);
    }
  }
}

function simulatedScale(url: string, deviceId: string, autoComplete: boolean) {
  return startSimulatedDevice({
    url, deviceId, secret: secrets[deviceId], instrument: "scale", autoComplete, speed: 50, heartbeatIntervalMs: 1_000,
    reconnect: { baseDelayMs: 100, maxDelayMs: 500, maxAttempts: 1_000 },
  }).then((device) => {
    devices.push(device);
    return device;
  });
}

beforeAll(async () => {
  [schema, redis] = await Promise.all([createTestSchema(), createTestRedis()]);
  const storeEnv = { DATABASE_URL: schema.url, BATON_DATABASE_SCHEMA: schema.schema };
  for (const deviceId of Object.values(DEVICES)) {
    const added = await runCli(["device", "add", deviceId, "--label", deviceId, "--kind", "scale"], storeEnv);
    expect(added.code, added.output).toBe(0);
    secrets[deviceId] = /secret: (\S+)/.exec(added.output)![1];
  }
  const env = {
    ...storeEnv,
    BATON_ENV: "production",
    BATON_JWT_SECRET: CLUSTER_JWT_SECRET,
    REDIS_URL: redis.url,
    BATON_REDIS_KEY_PREFIX: redis.prefix,
    // Short, so that a dead process's rooms are free again within seconds.
    BATON_ROOM_LOCK_TTL_MS: "3000",
    BATON_OWNER_IDLE_TIMEOUT_MS: "0",
    BATON_RETENTION_DAYS: "0",
  };
  [processA, processB] = await Promise.all([spawnServer(env), spawnServer(env)]);
  await Promise.all([processA.ready(45_000), processB.ready(45_000)]);
  expect(processA.stdout).toContain(`public address 127.0.0.1:${processA.port}`);
}, 90_000);

afterAll(async () => {
  await Promise.all([...sessions.map((session) => bounded(session.leave())), ...devices.map((device) => bounded(device.close()))]);
  await stopAllServers();
  await front?.close();
  await redis?.cleanup();
  await schema?.drop();
}, 30_000);

describe("two Baton processes on Redis and PostgreSQL", () => {
  it("a device joins through A, users matchmake through B: one room, and a full session works", async () => {
    const deviceId = DEVICES.session;
    await simulatedScale(processA.httpUrl, deviceId, true);
    const owner = await joinWhenPossible(processB.httpUrl, "alice", deviceId);
    const spectator = await joinWhenPossible(processA.httpUrl, "bob", deviceId);
    await waitFor(() => owner.state.device.online && spectator.state.device.online, 10_000, "both users see the device online");

    // Both processes send clients to the same room, on whichever process holds it.
    const [holderViaA, holderViaB] = await Promise.all([holderOf(deviceId, processA), holderOf(deviceId, processB)]);
    expect(holderViaA).toBe(holderViaB);

    owner.claim({ sessionType: "weighing", input: { userAge: 30 }, releaseOnComplete: true });
    const result = await owner.nextResult();
    expect(result).toMatchObject({ sessionType: "weighing", output: { unit: "kg" } });
    await waitFor(() => spectator.state.session.phase === "idle" && spectator.state.session.epoch === 1, 10_000, "the spectator sees the session end");
    expect(spectator.results).toHaveLength(0);
    expect(owner.results).toHaveLength(1);
    // The live status is the same whichever process answers.
    const [statusA, statusB] = await Promise.all([liveStatus(processA, deviceId), liveStatus(processB, deviceId)]);
    expect(statusA).toMatchObject({ online: true, viewers: 2, epoch: 1 });
    expect(statusB).toEqual(statusA);
  }, 50_000);

  it("50 concurrent first joins spread over both processes make exactly one room; create is refused", async () => {
    const deviceId = DEVICES.crowd;
    const joins = Array.from({ length: 50 }, async (_, index) => matchmake(index % 2 ? processA : processB, "joinOrCreate", "device", await userToken(`crowd-${index}`), { deviceId }));
    const creates = Array.from({ length: 6 }, async (_, index) => matchmake(index % 2 ? processA : processB, "create", "device", await userToken(`creator-${index}`), { deviceId }));
    const [seats, refused] = await Promise.all([Promise.all(joins), Promise.all(creates)]);
    for (const seat of seats) expect(seat.status, JSON.stringify(seat.body)).toBe(200);
    for (const refusal of refused) expect(refusal.body.error).toMatch(/^METHOD_NOT_ALLOWED:/);
    // One room: every seat is in the same room of the same process…
    expect(new Set(seats.map((seat) => `${seat.body.roomId}@${seat.body.processId}@${seat.body.publicAddress}`))).toEqual(new Set([`${deviceId}@${seats[0].body.processId}@${seats[0].body.publicAddress}`]));
    // …and all 50 connections end up in it: both processes count 50 viewers (two rooms would split them).
    const client = new Client(processA.httpUrl);
    const rooms = await Promise.all(seats.map((seat) => client.consumeSeatReservation(seat.body as never, DeviceRoomState)));
    try {
      expect(rooms.every((room) => room.roomId === deviceId)).toBe(true);
      let viewers = 0;
      for (const deadline = Date.now() + 10_000; viewers !== 50 && Date.now() < deadline; await settle(100)) viewers = (await liveStatus(processA, deviceId)).viewers;
      expect(viewers).toBe(50);
      expect((await liveStatus(processB, deviceId)).viewers).toBe(50);
    } finally {
      await Promise.all(rooms.map((room) => bounded(room.leave())));
    }
  }, 50_000);

  it("a process stalled past the lock TTL loses the room to the other; resumed, its zombie room closes itself", async () => {
    const deviceId = DEVICES.stall;
    front ??= await startFrontProxy([processA.port, processB.port]);
    const device = await simulatedScale(front.httpUrl, deviceId, false);
    const owner = await joinWhenPossible(front.httpUrl, "dave", deviceId);
    await waitFor(() => owner.state.device.online, 10_000, "device online");
    const awaiting = device.waitFor("jobAwaitingCompletion");
    owner.claim({ sessionType: "weighing", input: { userAge: 50 } });
    const inFlight = await awaiting;

    const stalled = await holderOf(deviceId, processA);
    const other = stalled === processA ? processB : processA;
    stalled.child.kill("SIGSTOP");
    let resumed = false;
    try {
      // The other process finds the stalled one dead (health check), and once the stalled
      // room's lock has run out it creates the device's room from the store.
      const watcher = await joinWhenPossible(other.httpUrl, "dave", deviceId, 40_000);
      await waitFor(() => watcher.state.session?.runId === inFlight.runId, 10_000, "the new room has the run in flight");
      expect(watcher.state.session.epoch).toBe(inFlight.epoch);
      expect(await holderOf(deviceId, other)).toBe(other);
      const reconnected = device.waitFor("jobResumed", { timeoutMs: 30_000 });
      stalled.child.kill("SIGCONT");
      resumed = true;
      // Resumed, the stalled process finds its lease gone and closes its room (4001): the
      // device comes back to the one room there is, and resumes the same run.
      expect(await reconnected).toMatchObject({ runId: inFlight.runId, epoch: inFlight.epoch });
      await waitFor(() => /closing this room so that only one serves the device/.test(stalled.stdout + stalled.stderr), 10_000, "the zombie room closed itself");
      await waitFor(() => watcher.state.device.online, 10_000, "device online in the surviving room");
      // Until its zombie room has finished disposing, the resumed process still answers for
      // it locally (Colyseus asks a local room first) and refuses seats: ask until it is gone.
      let seenFromStalled: ServerProcess | null = null;
      for (const deadline = Date.now() + 15_000; !seenFromStalled && Date.now() < deadline; await settle(250)) {
        const seat = await matchmake(stalled, "joinById", deviceId, await userToken(`operator-${lookups++}`), { deviceId });
        if (seat.status === 200) seenFromStalled = [processA, processB].find((server) => seat.body.publicAddress === `127.0.0.1:${server.port}`) ?? null;
      }
      expect(seenFromStalled).toBe(other);
      device.complete({ output: { weight: 80.5, unit: "kg", stable: true } });
      expect(await watcher.nextResult()).toMatchObject({ runId: inFlight.runId });
      await settle(500);
      expect(watcher.results.filter((message) => message.runId === inFlight.runId)).toHaveLength(1);
      expect(owner.results.filter((message) => message.runId === inFlight.runId)).toHaveLength(0);
    } finally {
      if (!resumed) stalled.child.kill("SIGCONT");
    }
  }, 58_000);

  it("SIGKILL of the process holding the room: the session goes on in the other at the same epoch, the result is delivered once", async () => {
    const deviceId = DEVICES.failover;
    front ??= await startFrontProxy([processA.port, processB.port]);
    const device = await simulatedScale(front.httpUrl, deviceId, false);
    const before = await joinWhenPossible(front.httpUrl, "carol", deviceId);
    await waitFor(() => before.state.device.online, 10_000, "device online");

    // Session 1 (epoch 1) completes; session 2 has a run in flight when its process dies.
    let awaiting = device.waitFor("jobAwaitingCompletion");
    before.claim({ sessionType: "weighing", input: { userAge: 40 } });
    await awaiting;
    device.complete({ output: { weight: 70.1, unit: "kg", stable: true } });
    await before.nextResult();
    before.release();
    await waitFor(() => before.state.session.phase === "idle", 10_000, "released");
    awaiting = device.waitFor("jobAwaitingCompletion");
    before.claim({ sessionType: "weighing", input: { userAge: 41 } });
    const inFlight = await awaiting;
    expect(inFlight.epoch).toBe(2);

    const doomed = await holderOf(deviceId, processA);
    const survivor = doomed === processA ? processB : processA;
    const resumed = device.waitFor("jobResumed", { timeoutMs: 40_000 });
    await doomed.stop("SIGKILL");

    // The device comes back by itself through the front; the room is created in the survivor
    // from the store (the dead process's listing and lock are cleared/expired meanwhile).
    expect(await resumed).toMatchObject({ runId: inFlight.runId, epoch: 2 });
    expect(await holderOf(deviceId, survivor)).toBe(survivor);
    const after = await joinWhenPossible(front.httpUrl, "carol", deviceId);
    await waitFor(() => after.state.device.online && after.state.session.ownerId === "carol", 10_000, "the owner holds the device again");
    expect(after.state.session.epoch).toBe(2);
    expect(after.state.session.phase).toBe("running");
    expect(after.state.session.runId).toBe(inFlight.runId);

    device.complete({ output: { weight: 71.2, unit: "kg", stable: true } });
    expect(await after.nextResult()).toMatchObject({ runId: inFlight.runId, output: { weight: 71.2 } });
    await waitFor(() => device.heldResultRunIds.length === 0, 10_000, "the device got its ack");
    await settle(500);
    expect(after.results.filter((message) => message.runId === inFlight.runId)).toHaveLength(1);
    expect(before.results.filter((message) => message.runId === inFlight.runId)).toHaveLength(0);
    const stored = await fetch(`${survivor.httpUrl}/results?limit=100`, { headers: { authorization: `Bearer ${await userToken("carol")}` } });
    expect(((await stored.json()).results as { runId: string; epoch: number }[]).filter((result) => result.runId === inFlight.runId)).toEqual([expect.objectContaining({ epoch: 2 })]);

    // And the epoch goes on from there: the next claim, in the survivor, is epoch 3.
    after.release();
    await waitFor(() => after.state.session.phase === "idle", 10_000, "released");
    awaiting = device.waitFor("jobAwaitingCompletion");
    after.claim({ sessionType: "weighing", input: { userAge: 42 } });
    expect((await awaiting).epoch).toBe(3);
  }, 58_000);
});
