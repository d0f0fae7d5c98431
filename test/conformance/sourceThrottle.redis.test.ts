/** The throttle over the real Redis: two connections stand for two processes of a cluster. */
import { afterAll, beforeAll } from "vitest";
import { RedisSourceThrottleStore } from "@baton/server/adapters/redis/redisSourceThrottleStore.ts";
import { createTestRedis, type TestRedis } from "../support/redis.ts";
import { sourceThrottleCases } from "./sourceThrottle.cases.ts";

let redis: TestRedis;
let stores: [RedisSourceThrottleStore, RedisSourceThrottleStore];

beforeAll(async () => {
  redis = await createTestRedis();
  stores = [new RedisSourceThrottleStore(redis.connect()), new RedisSourceThrottleStore(redis.connect())];
});
afterAll(() => redis?.cleanup());

sourceThrottleCases("Redis", () => stores);
