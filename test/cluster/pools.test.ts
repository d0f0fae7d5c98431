/**
 * Pools in a cluster (issue 13 item 5): two real server processes (the entry point `npm
 * start` runs) on the local Redis and one PostgreSQL schema, set up as
 * test/cluster/twoProcesses.test.ts does. A pool of two devices whose rooms live in
 * different processes (device 1 connects through A, device 2 through B; Colyseus puts each new
 * room in the process with the fewest, so the two rooms land apart); the pool's one room
 * lives in one of them, so every claim it makes on the other process's device goes through
 * `matchMaker.remoteRoomCall` over the presence on Redis. It must show:
 * - a user who joins the pool room and sends `claim_any` gets a free device whose room is in
 *   the other process (the local one is held directly by someone else);
 * - while that device is held, a second user's `claim_any` (through the other process) gets
 *   the other device;
 * - a third user waits (`pool_status` position 1) and is granted whichever device frees up
 *   first — once in the pool room's own process, once in the other;
 * - never two holders: every device room's state (seen through both processes) has exactly
 *   the holder the pool announced, and both processes send clients to the same rooms.
 * Nothing here asserts on speed; each wait is generous for a loaded two-core machine.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, type Room } from "@colyseus/sdk";
import { DeviceSession, joinDevice } from "../support/deviceSession.ts";
import { Inbox } from "../../client/src/sdk/inbox.ts";
import { startSimulatedDevice, type SimulatedDevice } from "../../client/src/simulator/index.ts";
import { runCli } from "@baton/server/cli/baton.ts";
import { createTestSchema, type TestSchema } from "../support/postgres.ts";
import { createTestRedis, type TestRedis } from "../support/redis.ts";
import { spawnServer, stopAllServers, type ServerProcess } from "../support/serverProcess.ts";
import { waitFor } from "../support/waitFor.ts";
import { CLUSTER_JWT_SECRET, bounded, matchmake, settle, userToken, type Seat } from "./support.ts";

// Room ids are device ids, and Colyseus' pub/sub channels are named after them and not
// prefixed: unique per run, so parallel runs on the shared Redis never meet.
const run = randomBytes(4).toString("hex");
const POOL = `pl-${run}`;
const DEVICE_1 = `cp-${run}-one`;
const DEVICE_2 = `cp-${run}-two`;

let schema: TestSchema;
let redis: TestRedis;
let processA: ServerProcess;
let processB: ServerProcess;
const secrets: Record<string, string> = {};
const devices: SimulatedDevice[] = [];
const sessions: DeviceSession[] = [];
const poolRooms: Room[] = [];

function processAt(seat: Seat): ServerProcess {
  const server = [processA, processB].find((candidate) => seat.publicAddress === `127.0.0.1:${candidate.port}`);
  expect(server, `publicAddress ${seat.publicAddress}`).toBeDefined();
  return server!;
}

/** The process holding the device's room, as matchmaking through `via` reports it. */
let lookups = 0;
async function holderOf(deviceId: string, via: ServerProcess): Promise<ServerProcess> {
  const seat = await matchmake(via, "joinById", deviceId, await userToken(`operator-${lookups++}`), { deviceId });
  expect(seat.status, JSON.stringify(seat.body)).toBe(200);
  return processAt(seat.body);
}

/** The device's holder as the HTTP API of `server` reports it (the device room's live status). */
async function holderSeenBy(server: ServerProcess, deviceId: string): Promise<string | null> {
  const response = await fetch(`${server.httpUrl}/devices/${deviceId}`, { headers: { authorization: `Bearer ${await userToken("operator")}` } });
  expect(response.status).toBe(200);
  const holder = (await response.json()).status.holder;
  return holder === null || holder === undefined ? null : typeof holder === "string" ? holder : holder.userId;
}

interface PoolUser {
  userId: string;
  room: Room;
  /** The process the pool room lives in, as the seat says. */
  home: ServerProcess;
  next(kind: "granted" | "pool_status" | "pool_left" | "error", timeoutMs?: number): Promise<any>;
}

/** Joins the pool's room through `via` (matchmaking there; the seat may be in the other process). */
async function joinPool(via: ServerProcess, userId: string): Promise<PoolUser> {
  const token = await userToken(userId);
  let seat: Awaited<ReturnType<typeof matchmake>> | undefined;
  // A concurrent creation in the other process refuses with POOL_ROOM_EXISTS until its room is listed.
  for (const deadline = Date.now() + 15_000; ; await settle(250)) {
    seat = await matchmake(via, "joinOrCreate", "pool", token, { pool: POOL });
    if (seat.status === 200 || Date.now() > deadline) break;
  }
  expect(seat.status, JSON.stringify(seat.body)).toBe(200);
  const client = new Client(via.httpUrl);
  const room = await client.consumeSeatReservation(seat.body as never);
  poolRooms.push(room);
  const inbox = new Inbox<any>();
  for (const kind of ["granted", "pool_status", "pool_left", "error"]) room.onMessage(kind, (message: unknown) => inbox.push(kind, message));
  return { userId, room, home: processAt(seat.body), next: (kind, timeoutMs = 20_000) => inbox.next(kind, timeoutMs) };
}

async function joinAs(server: ServerProcess, userId: string, deviceId: string): Promise<DeviceSession> {
  const session = await joinDevice({ url: server.httpUrl, token: await userToken(userId), deviceId });
  sessions.push(session);
  return session;
}

/** Every device's holder is `expected`, in its room's state through both processes and in both HTTP APIs. */
async function expectHolders(expected: Record<string, string | null>, watchers: Record<string, DeviceSession[]>) {
  for (const [deviceId, holder] of Object.entries(expected)) {
    await waitFor(() => watchers[deviceId].every((watcher) => (watcher.state.session.ownerId || null) === holder), 15_000, `${deviceId} held by ${holder} in every view of its room`);
    expect(await holderSeenBy(processA, deviceId)).toBe(holder);
    expect(await holderSeenBy(processB, deviceId)).toBe(holder);
  }
}

beforeAll(async () => {
  [schema, redis] = await Promise.all([createTestSchema(), createTestRedis()]);
  const storeEnv = { DATABASE_URL: schema.url, BATON_DATABASE_SCHEMA: schema.schema };
  for (const deviceId of [DEVICE_1, DEVICE_2]) {
    const added = await runCli(["device", "add", deviceId, "--label", deviceId, "--kind", "scale"], storeEnv);
    expect(added.code, added.output).toBe(0);
    secrets[deviceId] = /secret: (\S+)/.exec(added.output)![1];
    const pooled = await runCli(["device", "pool", deviceId, POOL], storeEnv);
    expect(pooled.code, pooled.output).toBe(0);
  }
  const env = {
    ...storeEnv,
    BATON_ENV: "production",
    BATON_JWT_SECRET: CLUSTER_JWT_SECRET,
    REDIS_URL: redis.url,
    BATON_REDIS_KEY_PREFIX: redis.prefix,
    BATON_OWNER_IDLE_TIMEOUT_MS: "0",
    BATON_RETENTION_DAYS: "0",
  };
  [processA, processB] = await Promise.all([spawnServer(env), spawnServer(env)]);
  await Promise.all([processA.ready(45_000), processB.ready(45_000)]);
}, 90_000);

afterAll(async () => {
  await Promise.all([
    ...poolRooms.map((room) => bounded(room.leave())),
    ...sessions.map((session) => bounded(session.leave())),
    ...devices.map((device) => bounded(device.close())),
  ]);
  await stopAllServers();
  await redis?.cleanup();
  await schema?.drop();
}, 30_000);

describe("a pool across two Baton processes", () => {
  it("grants devices whose rooms live in the other process, serves a waiter from either process, never two holders", async () => {
    // Device 1 connects through A, device 2 through B. Colyseus creates a room in the process
    // with the fewest rooms (its stats reach Redis within a second), so once device 1's room
    // is counted, device 2's room is created in the other process, whichever it connected to.
    const watchers: Record<string, DeviceSession[]> = {};
    for (const [deviceId, server] of [[DEVICE_1, processA], [DEVICE_2, processB]] as const) {
      devices.push(await startSimulatedDevice({
        url: server.httpUrl, deviceId, secret: secrets[deviceId], instrument: "scale", autoComplete: true, speed: 50, heartbeatIntervalMs: 1_000,
        reconnect: { baseDelayMs: 100, maxDelayMs: 500, maxAttempts: 1_000 },
      }));
      // Watchers of each device room through both processes: the holder every view shows.
      watchers[deviceId] = [await joinAs(processA, "watcher-a", deviceId), await joinAs(processB, "watcher-b", deviceId)];
      await waitFor(() => watchers[deviceId].every((watcher) => watcher.state.device.online), 15_000, `${deviceId} online in every view`);
      await settle(2_000);
    }
    const roomOf = { [DEVICE_1]: await holderOf(DEVICE_1, processA), [DEVICE_2]: await holderOf(DEVICE_2, processB) };
    expect(roomOf[DEVICE_1], "the two device rooms live in different processes").not.toBe(roomOf[DEVICE_2]);
    expect(await holderOf(DEVICE_1, processB)).toBe(roomOf[DEVICE_1]);
    expect(await holderOf(DEVICE_2, processA)).toBe(roomOf[DEVICE_2]);

    // The first user joins the pool through A; the pool room lives in one of the processes
    // (Colyseus picks it). Its "local" device is the one in that process, the "remote" one is
    // in the other: every claim on it is a remoteRoomCall over Redis.
    const u1 = await joinPool(processA, "pool-u1");
    const poolHome = u1.home;
    const [local, remote] = roomOf[DEVICE_1] === poolHome ? [DEVICE_1, DEVICE_2] : [DEVICE_2, DEVICE_1];
    const other = poolHome === processA ? processB : processA;
    expect(roomOf[remote]).toBe(other);

    // Someone holds the local device directly, so the only free device is the remote one.
    const zed = await joinAs(other, "zed", local);
    await waitFor(() => zed.state.device.online, 15_000, "zed sees the local device");
    zed.claim();
    await expectHolders({ [local]: "zed", [remote]: null }, watchers);

    u1.room.send("claim_any", {});
    expect(await u1.next("granted")).toMatchObject({ pool: POOL, deviceId: remote });
    const u1OnDevice = await joinAs(other, "pool-u1", remote);
    await expectHolders({ [local]: "zed", [remote]: "pool-u1" }, watchers);
    expect(u1OnDevice.state.session.ownerId).toBe("pool-u1");

    // Zed releases; a second user, matchmaking through the other process, finds the same pool room
    // and gets the device that is free now (the remote one is held by u1).
    zed.release();
    await expectHolders({ [local]: null, [remote]: "pool-u1" }, watchers);
    const u2 = await joinPool(other, "pool-u2");
    expect(u2.room.roomId).toBe(u1.room.roomId);
    expect(u2.home).toBe(poolHome);
    u2.room.send("claim_any", {});
    expect(await u2.next("granted")).toMatchObject({ pool: POOL, deviceId: local });
    const u2OnDevice = await joinAs(processB, "pool-u2", local);
    await expectHolders({ [local]: "pool-u2", [remote]: "pool-u1" }, watchers);

    // Both held: a third user waits, first in line.
    const u3 = await joinPool(processB, "pool-u3");
    expect(u3.room.roomId).toBe(u1.room.roomId);
    u3.room.send("claim_any", {});
    expect(await u3.next("pool_status")).toMatchObject({ pool: POOL, position: 1, waiting: 1, devices: 2 });
    const u4 = await joinPool(processA, "pool-u4");
    u4.room.send("claim_any", {});
    expect(await u4.next("pool_status")).toMatchObject({ position: 2, waiting: 2 });
    await settle(500);
    await expectHolders({ [local]: "pool-u2", [remote]: "pool-u1" }, watchers);

    // The remote device's holder releases (through its room in the other process): the first waiter gets it.
    u1OnDevice.release();
    expect(await u3.next("granted")).toMatchObject({ pool: POOL, deviceId: remote });
    expect(await u4.next("pool_status")).toMatchObject({ position: 1, waiting: 1 });
    const u3OnDevice = await joinAs(processA, "pool-u3", remote);
    await expectHolders({ [local]: "pool-u2", [remote]: "pool-u3" }, watchers);
    expect(u3OnDevice.state.session.ownerId).toBe("pool-u3");

    // The local device's holder releases: the next waiter gets that one.
    u2OnDevice.release();
    expect(await u4.next("granted")).toMatchObject({ pool: POOL, deviceId: local });
    const u4OnDevice = await joinAs(processA, "pool-u4", local);
    await expectHolders({ [local]: "pool-u4", [remote]: "pool-u3" }, watchers);
    expect(u4OnDevice.state.session.ownerId).toBe("pool-u4");

    // Nobody was told of a grant twice, and no one who never asked holds anything.
    await settle(1_000);
    for (const user of [u1, u2, u3, u4]) await expect(user.next("granted", 200)).rejects.toThrow();
    await expectHolders({ [local]: "pool-u4", [remote]: "pool-u3" }, watchers);
    // Still one pool room and one room per device, whichever process one asks.
    for (const deviceId of [DEVICE_1, DEVICE_2]) expect(await holderOf(deviceId, processA)).toBe(await holderOf(deviceId, processB));
  }, 55_000);
});
