/**
 * Redis for tests: the server at BATON_TEST_REDIS_URL (default the local one CI runs). The
 * Redis is shared with other test runs, so every run writes under its own key prefix
 * (`baton-test-<random>:`) and deletes its keys afterwards — never FLUSHALL. When Redis is
 * unreachable the tests FAIL with the command that starts it.
 */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";

export const TEST_REDIS_URL = process.env.BATON_TEST_REDIS_URL || "redis://127.0.0.1:6379";

export interface TestRedis {
  url: string;
  /** The key prefix of this run (pass it as BATON_REDIS_KEY_PREFIX to servers). */
  prefix: string;
  /** A fresh connection writing under the prefix. */
  connect(): Redis;
  /** Deletes every key under the prefix and closes the connections made here. */
  cleanup(): Promise<void>;
}

export async function createTestRedis(): Promise<TestRedis> {
  const prefix = `baton-test-${randomBytes(6).toString("hex")}:`;
  const connections: Redis[] = [];
  const probe = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3_000 });
  probe.on("error", () => undefined);
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    probe.disconnect();
    throw new Error(
      `Redis is not reachable at ${TEST_REDIS_URL} (${(error as Error).message}). The cluster tests need it. ` +
      "Start one with `sudo apt-get install -y redis-server && sudo service redis-server start` " +
      "(or `docker run -d -p 6379:6379 redis:7`), or point BATON_TEST_REDIS_URL at yours.",
    );
  }
  return {
    url: TEST_REDIS_URL,
    prefix,
    connect() {
      const redis = new Redis(TEST_REDIS_URL, { keyPrefix: prefix, maxRetriesPerRequest: 3 });
      redis.on("error", () => undefined);
      connections.push(redis);
      return redis;
    },
    async cleanup() {
      // SCAN does not apply keyPrefix: match on the full prefix with the unprefixed probe.
      let cursor = "0";
      do {
        const [next, keys] = await probe.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
        cursor = next;
        if (keys.length > 0) await probe.del(...keys);
      } while (cursor !== "0");
      await Promise.all([...connections.splice(0), probe].map((redis) => redis.quit().catch(() => redis.disconnect())));
    },
  };
}
