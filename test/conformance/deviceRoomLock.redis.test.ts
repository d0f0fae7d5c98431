/**
 * The lock over the real Redis (REDIS_URL, default redis://127.0.0.1:6379), as a cluster of
 * processes shares it. Two presences on two connections stand for two processes.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { RedisPresence } from "@colyseus/redis-presence";
import { PresenceDeviceRoomLock } from "../../server/src/adapters/presence/presenceDeviceRoomLock.ts";
import { deviceRoomLockCases } from "./deviceRoomLock.cases.ts";

const redisUrl = process.env.BATON_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const processA = new RedisPresence(redisUrl);
const processB = new RedisPresence(redisUrl);
let turn = 0;

beforeAll(async () => {
  try {
    await processA.set("baton:test:ping", "1");
  } catch (error) {
    throw new Error(`Redis is not reachable at ${redisUrl} (${(error as Error).message}). Start it with: redis-server --daemonize yes --port 6379`);
  }
});
afterAll(() => {
  processA.shutdown();
  processB.shutdown();
});

// Alternate between the two connections, so holders and contenders sit in different "processes".
deviceRoomLockCases("RedisPresence", () => new PresenceDeviceRoomLock(turn++ % 2 === 0 ? processA : processB));

it("refuses a lock held through another process's connection", async () => {
  const deviceId = `lock-test-cross-${Date.now()}`;
  const inA = new PresenceDeviceRoomLock(processA);
  const inB = new PresenceDeviceRoomLock(processB);
  expect(await inA.acquire(deviceId, "process-a/room")).toBe(true);
  expect(await inB.acquire(deviceId, "process-b/room")).toBe(false);
  await inA.release(deviceId, "process-a/room");
  expect(await inB.acquire(deviceId, "process-b/room")).toBe(true);
  await inB.release(deviceId, "process-b/room");
});
