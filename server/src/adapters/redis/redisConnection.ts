/**
 * Opens a Redis connection for Baton and Colyseus, with the configured key prefix (ioredis
 * prepends it to every key of every command, Colyseus' own included, but not to pub/sub
 * channel names). Start-up fails with a sentence when Redis does not answer, instead of
 * queueing commands forever.
 */
import { Redis } from "ioredis";
import { withoutPassword } from "../../observability/redactUrl.ts";

export class RedisUnavailableError extends Error {}

/** The URL with any password replaced, for messages and the banner. */
export function redactRedisUrl(url: string): string {
  return withoutPassword(url, "***") ?? "(unparseable REDIS_URL)";
}

export async function connectRedis(url: string, keyPrefix: string): Promise<Redis> {
  const redis = new Redis(url, {
    keyPrefix,
    lazyConnect: true,
    // A command fails after a few reconnection attempts instead of waiting for Redis forever:
    // callers (lease renewal, throttle) decide what a failure means.
    maxRetriesPerRequest: 3,
    connectTimeout: 5_000,
  });
  // ioredis reports connection errors as events; without a listener they would crash the process.
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new RedisUnavailableError(`Redis is not reachable at ${redactRedisUrl(url)} (${(error as Error).message}); start it (README, "Running several processes") or unset REDIS_URL to run a single process.`, { cause: error });
  }
  return redis;
}
