/**
 * Two Baton clusters on one Redis (issue 21 item 6): each one process with a store of its own
 * and a BATON_REDIS_KEY_PREFIX of its own, both with a device of the same id. The prefix must
 * keep them apart in keys (room listings, locks) and in pub/sub channels (Colyseus names them
 * after room ids, which are device ids) — server/src/clusterPresence.ts:
 * - the device connects to cluster A; a user of cluster B joins the same device id and gets a
 *   room of B's own, where the device is offline; a session on A runs to its result, which
 *   only A's user receives;
 * - every channel either process subscribes to or publishes on starts with its prefix;
 * - each room listing (RedisDriver's hash) holds only its own cluster's room;
 * and a SIGTERM of a Redis-mode process with rooms open logs no error and no warning.
 * Also the presence alone: a message published in one cluster reaches only that cluster's
 * subscribers, and each lists only its own channels, by the names Colyseus gave them.
 */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { joinDevice, type DeviceSession } from "../support/deviceSession.ts";
import { startSimulatedDevice, type SimulatedDevice } from "../../client/src/simulator/index.ts";
import { runCli } from "@baton/server/cli/baton.ts";
import { ClusterRedisPresence } from "@baton/server/clusterPresence.ts";
import { createTestSchema, type TestSchema } from "../support/postgres.ts";
import { createTestRedis, type TestRedis } from "../support/redis.ts";
import { spawnServer, stopAllServers, type ServerProcess } from "../support/serverProcess.ts";
import { waitFor } from "../support/waitFor.ts";
import { CLUSTER_JWT_SECRET, bounded, userToken } from "./support.ts";

// The same device id in both clusters; unique to this run so parallel runs never meet.
const DEVICE_ID = `iso-${randomBytes(4).toString("hex")}`;

interface TestCluster { schema: TestSchema; redis: TestRedis; secret: string; server: ServerProcess }
let clusterA: TestCluster;
let clusterB: TestCluster;
let observer: Redis;
const published = new Set<string>();
let device: SimulatedDevice | undefined;
const sessions: DeviceSession[] = [];

async function startCluster(): Promise<TestCluster> {
  const [schema, redis] = await Promise.all([createTestSchema(), createTestRedis()]);
  const storeEnv = { DATABASE_URL: schema.url, BATON_DATABASE_SCHEMA: schema.schema };
  const added = await runCli(["device", "add", DEVICE_ID, "--label", DEVICE_ID, "--kind", "scale"], storeEnv);
  expect(added.code, added.output).toBe(0);
  const server = await spawnServer({
    ...storeEnv,
    BATON_ENV: "production",
    BATON_JWT_SECRET: CLUSTER_JWT_SECRET,
    REDIS_URL: redis.url,
    BATON_REDIS_KEY_PREFIX: redis.prefix,
    BATON_OWNER_IDLE_TIMEOUT_MS: "0",
    BATON_RETENTION_DAYS: "0",
  });
  return { schema, redis, secret: /secret: (\S+)/.exec(added.output)![1], server };
}

async function liveStatus(server: ServerProcess): Promise<{ online: boolean; viewers: number; epoch: number }> {
  const response = await fetch(`${server.httpUrl}/devices/${DEVICE_ID}`, { headers: { authorization: `Bearer ${await userToken("operator")}` } });
  expect(response.status).toBe(200);
  return (await response.json()).status;
}

async function join(server: ServerProcess, userId: string): Promise<DeviceSession> {
  const session = await joinDevice({ url: server.httpUrl, token: await userToken(userId), deviceId: DEVICE_ID });
  sessions.push(session);
  return session;
}

/** The channels with a subscriber now, on the whole Redis, that name this run's device. */
async function subscribedChannels(): Promise<string[]> {
  const channels = (await observer.pubsub("CHANNELS", "*")) as string[];
  return channels.filter((channel) => channel.includes(DEVICE_ID));
}

beforeAll(async () => {
  // Sees every message published on the Redis while the test runs (any channel name).
  observer = new Redis(process.env.BATON_TEST_REDIS_URL || "redis://127.0.0.1:6379", { maxRetriesPerRequest: 3 });
  observer.on("error", () => undefined);
  const watcher = observer.duplicate();
  watcher.on("error", () => undefined);
  watcher.on("pmessage", (_pattern: string, channel: string) => published.add(channel));
  await watcher.psubscribe("*");
  [clusterA, clusterB] = await Promise.all([startCluster(), startCluster()]);
  await Promise.all([clusterA.server.ready(45_000), clusterB.server.ready(45_000)]);
  observer.once("end", () => watcher.disconnect());
}, 90_000);

afterAll(async () => {
  await Promise.all([...sessions.map((session) => bounded(session.leave())), bounded(device?.close() ?? Promise.resolve())]);
  await stopAllServers();
  for (const cluster of [clusterA, clusterB]) {
    await cluster?.redis.cleanup();
    await cluster?.schema.drop();
  }
  observer?.disconnect();
}, 30_000);

it("two clusters with the same device id on one Redis see neither each other's rooms nor messages", async () => {
  const prefixA = clusterA.redis.prefix;
  const prefixB = clusterB.redis.prefix;

  device = await startSimulatedDevice({
    url: clusterA.server.httpUrl, deviceId: DEVICE_ID, secret: clusterA.secret, instrument: "scale", autoComplete: true, speed: 50, heartbeatIntervalMs: 1_000,
    reconnect: { baseDelayMs: 100, maxDelayMs: 500, maxAttempts: 1_000 },
  });
  const ownerA = await join(clusterA.server, "alice");
  const userB = await join(clusterB.server, "bob");
  await waitFor(() => ownerA.state.device.online, 10_000, "cluster A's user sees the device online");

  // B has a room of its own for the same id, and the device is not in it.
  expect(userB.room.roomId).toBe(DEVICE_ID);
  expect(userB.state.device.online).toBe(false);
  expect(await liveStatus(clusterB.server)).toMatchObject({ online: false, viewers: 1, epoch: 0 });
  expect(await liveStatus(clusterA.server)).toMatchObject({ online: true, viewers: 1 });

  ownerA.claim({ sessionType: "weighing", input: { userAge: 30 }, releaseOnComplete: true });
  expect(await ownerA.nextResult(20_000)).toMatchObject({ sessionType: "weighing", output: { unit: "kg" } });
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(userB.results).toHaveLength(0);
  expect(userB.state.session.epoch).toBe(0);
  expect(userB.state.session.phase).toBe("idle");

  // Channels: each room's channel carries its cluster's prefix; no bare `$<deviceId>`.
  expect((await subscribedChannels()).sort()).toEqual([`${prefixA}$${DEVICE_ID}`, `${prefixB}$${DEVICE_ID}`].sort());
  for (const channel of [...published].filter((name) => name.includes(DEVICE_ID))) {
    expect(channel.startsWith(prefixA) || channel.startsWith(prefixB), channel).toBe(true);
  }

  expect(clusterA.server.stdout).toContain(`keys and channels prefixed "${prefixA}"`);

  // Room listings: each cluster's hash holds its own room (its own process), under its prefix.
  const [roomsA, roomsB] = await Promise.all([observer.hgetall(`${prefixA}roomcaches`), observer.hgetall(`${prefixB}roomcaches`)]);
  expect(Object.keys(roomsA)).toEqual([DEVICE_ID]);
  expect(Object.keys(roomsB)).toEqual([DEVICE_ID]);
  expect(JSON.parse(roomsA[DEVICE_ID]).processId).not.toBe(JSON.parse(roomsB[DEVICE_ID]).processId);
}, 60_000);

it("SIGTERM of a Redis-mode process with rooms open stops it cleanly: exit 0, no error or warning logged", async () => {
  for (const cluster of [clusterA, clusterB]) {
    const { server } = cluster;
    await server.stop("SIGTERM");
    expect(await server.exited).toBe(0);
    expect(server.stderr).toBe("");
    const logLines = server.stdout.split("\n").filter((line) => line.startsWith("{"));
    expect(logLines.some((line) => line.includes('"event":"server.stopped"'))).toBe(true);
    const problems = logLines.filter((line) => (JSON.parse(line) as { level: number }).level >= 40);
    expect(problems).toEqual([]);
    expect(server.stdout).not.toMatch(/EPIPE|Connection is closed|RedisPresence/);
  }
  // The stopped processes left no subscription behind.
  expect(await subscribedChannels()).toEqual([]);
}, 60_000);

it("the presence: a message on a channel reaches its own cluster only; channels are listed without the prefix", async () => {
  const presences = [clusterA, clusterB].map((cluster) => new ClusterRedisPresence(cluster.redis.connect(), cluster.redis.prefix));
  const [presenceA, presenceB] = presences;
  try {
    const received: Record<string, unknown[]> = { A: [], B: [] };
    await presenceA.subscribe(`$${DEVICE_ID}`, (message: unknown) => received.A.push(message));
    await presenceB.subscribe(`$${DEVICE_ID}`, (message: unknown) => received.B.push(message));
    await presenceA.publish(`$${DEVICE_ID}`, ["for A"]);
    await presenceB.publish(`$${DEVICE_ID}`, ["for B"]);
    await waitFor(() => received.A.length === 1 && received.B.length === 1, 5_000, "one message each");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received).toEqual({ A: [["for A"]], B: [["for B"]] });
    expect(await presenceA.channels(`$${DEVICE_ID}*`)).toEqual([`$${DEVICE_ID}`]);
    expect(await presenceA.channels("$iso-*")).not.toContain(`${clusterB.redis.prefix}$${DEVICE_ID}`);
  } finally {
    // Closing twice (as Colyseus' stop and Baton's close both do) is quiet and waits for the end.
    await Promise.all(presences.flatMap((presence) => [presence.close(), presence.close()]));
    presenceA.shutdown();
  }
  expect(await subscribedChannels()).toEqual([]);
}, 30_000);
