/**
 * The lock over the real Redis, as a cluster of processes shares it. Two connections stand
 * for two processes; the cases alternate between them, so holders and contenders sit in
 * different "processes".
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { RedisDeviceRoomLock } from "@baton/server/adapters/redis/redisDeviceRoomLock.ts";
import { createTestRedis, type TestRedis } from "../support/redis.ts";
import { deviceRoomLockCases } from "./deviceRoomLock.cases.ts";

let redis: TestRedis;
let processA: RedisDeviceRoomLock;
let processB: RedisDeviceRoomLock;
let turn = 0;

beforeAll(async () => {
  redis = await createTestRedis();
  processA = new RedisDeviceRoomLock(redis.connect());
  processB = new RedisDeviceRoomLock(redis.connect());
});
afterAll(() => redis?.cleanup());

deviceRoomLockCases("Redis", () => (turn++ % 2 === 0 ? processA : processB));

it("refuses a lock held through another process's connection, and grants exactly one of 50 spread over both", async () => {
  const deviceId = `lock-test-cross-${Date.now()}`;
  expect(await processA.acquire(deviceId, "process-a/room", 60_000)).toBe(true);
  expect(await processB.acquire(deviceId, "process-b/room", 60_000)).toBe(false);
  await processA.release(deviceId, "process-a/room");
  const granted = await Promise.all(Array.from({ length: 50 }, (_, index) => (index % 2 ? processA : processB).acquire(deviceId, `room-${index}`, 60_000)));
  expect(granted.filter(Boolean)).toHaveLength(1);
  await Promise.all(granted.map((won, index) => (won ? processA.release(deviceId, `room-${index}`) : undefined)));
});
