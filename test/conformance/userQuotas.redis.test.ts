/**
 * The per-user quota ledger over the real Redis, as a cluster shares it. Two connections
 * stand for two processes; the cases alternate between them, and the race below spreads its
 * reservations over both.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { RedisUserQuotaLedger } from "@baton/server/adapters/redis/redisUserQuotaLedger.ts";
import { createTestRedis, type TestRedis } from "../support/redis.ts";
import { userQuotaCases } from "./userQuotas.cases.ts";

let redis: TestRedis;
let processA: RedisUserQuotaLedger;
let processB: RedisUserQuotaLedger;
let turn = 0;

beforeAll(async () => {
  redis = await createTestRedis();
  processA = new RedisUserQuotaLedger(redis.connect());
  processB = new RedisUserQuotaLedger(redis.connect());
});
afterAll(() => redis?.cleanup());

userQuotaCases("Redis", () => (turn++ % 2 === 0 ? processA : processB));

it("grants exactly the limit of 40 reservations spread over two processes", async () => {
  const userId = `quota-cross-${randomUUID().slice(0, 8)}`;
  const answers = await Promise.all(Array.from({ length: 40 }, (_, index) => (index % 2 ? processA : processB).reserve({ userId, kind: "device", deviceId: `d-${index}` }, 2, 60_000)));
  expect(answers.filter((answer) => answer.granted)).toHaveLength(2);
  expect(await processA.held(userId, "device")).toHaveLength(2);
});
