/**
 * Colyseus' RedisPresence for one Baton cluster (docs/SCALING.md, "Several clusters on one
 * Redis" and "Stopping a clustered process"):
 * - isolation: ioredis' `keyPrefix` (BATON_REDIS_KEY_PREFIX) reaches every key but no pub/sub
 *   channel, and Colyseus names its channels after room ids (`$<roomId>`, and a room id is a
 *   device id) — so two clusters on one Redis with the same device ids would answer each
 *   other's remote room calls. Here every channel this process subscribes to, publishes on or
 *   lists carries the same prefix, and Colyseus sees the names without it;
 * - shutdown: Colyseus' graceful stop calls `shutdown()` (which does not wait) and Baton's own
 *   close comes after it; the connections are quit once, errors of a connection already
 *   closing are not reported, and `close()` waits for both connections to end.
 */
import type { Redis } from "ioredis";
import { RedisPresence } from "@colyseus/redis-presence";

export class ClusterRedisPresence extends RedisPresence {
  readonly channelPrefix: string;
  #closing: Promise<void> | undefined;

  /** `connection` publishes and runs commands; a duplicate of it subscribes (RedisPresence). */
  constructor(connection: Redis, channelPrefix: string) {
    super(connection);
    this.channelPrefix = channelPrefix;
  }

  override subscribe(topic: string, callback: (...args: any[]) => void) {
    return super.subscribe(this.channelPrefix + topic, callback);
  }

  override unsubscribe(topic: string, callback?: (...args: any[]) => void) {
    return super.unsubscribe(this.channelPrefix + topic, callback);
  }

  override publish(topic: string, data: any) {
    return super.publish(this.channelPrefix + topic, data);
  }

  /** The channels of this cluster that match `pattern`, named as Colyseus named them. */
  override async channels(pattern = "*"): Promise<string[]> {
    const names = await super.channels(this.channelPrefix + pattern);
    return names.map((name) => name.slice(this.channelPrefix.length));
  }

  /** Colyseus' graceful stop calls this and does not wait; `close()` waits for the same quit. */
  override shutdown(): void {
    void this.close();
  }

  /** Quits both connections, once however often it is called; resolves when both have ended. */
  close(): Promise<void> {
    this.#closing ??= Promise.all([this.sub, this.pub].map(async (redis) => {
      // From here on a connection's end is expected: nothing to warn about.
      redis.removeAllListeners("error");
      redis.on("error", () => undefined);
      if (redis.status === "end") return;
      await redis.quit().catch(() => redis.disconnect());
    })).then(() => undefined);
    return this.#closing;
  }
}
