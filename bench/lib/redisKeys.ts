/**
 * The local Redis the Redis-backed scenarios (S4, S5) use, and the clean-up of a run's keys:
 * every scenario works under a key prefix of its own, deleted when it ends, so runs on the
 * shared Redis never meet and leave nothing behind.
 */
import { Redis } from "ioredis";

export const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";

/** Deletes every key under `prefix` (SCAN, never KEYS or FLUSHALL). */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}
