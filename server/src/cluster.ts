/**
 * The process's place in a cluster, chosen by configuration (docs/SCALING.md):
 * - no REDIS_URL: one process; Colyseus' local presence and driver, the room lock and the
 *   guessing throttle in memory;
 * - REDIS_URL: Colyseus' RedisPresence and RedisDriver (room listings, seat reservations and
 *   remote room calls across processes), this process's `publicAddress` in every seat it
 *   reserves, and the room lock and guessing throttle in Redis, so their promises hold for
 *   the whole cluster.
 * Everything else that must be shared (results, device state and its epoch, registry,
 * history) is in the store, which every process of a cluster must share (PostgreSQL).
 */
import type { Redis } from "ioredis";
import { RedisDriver } from "@colyseus/redis-driver";
import type { MatchMakerDriver, Presence } from "@colyseus/core";
import type { ClusterConfig } from "./config/config.ts";
import type { DeviceRoomLock } from "./ports/deviceRoomLock.ts";
import type { SourceThrottleStore } from "./ports/sourceThrottle.ts";
import { LocalDeviceRoomLock } from "./adapters/local/localDeviceRoomLock.ts";
import { LocalSourceThrottleStore } from "./adapters/local/localSourceThrottleStore.ts";
import { RedisDeviceRoomLock } from "./adapters/redis/redisDeviceRoomLock.ts";
import { RedisSourceThrottleStore } from "./adapters/redis/redisSourceThrottleStore.ts";
import type { UserQuotaLedger } from "./ports/userQuotas.ts";
import { LocalUserQuotaLedger } from "./adapters/local/localUserQuotaLedger.ts";
import { RedisUserQuotaLedger } from "./adapters/redis/redisUserQuotaLedger.ts";
import { connectRedis, redactRedisUrl } from "./adapters/redis/redisConnection.ts";
import { ClusterRedisPresence } from "./clusterPresence.ts";

export interface Cluster {
  /** For Colyseus' server options; undefined in a single process (Colyseus' local defaults). */
  presence?: Presence;
  driver?: MatchMakerDriver;
  publicAddress?: string;
  roomLock: DeviceRoomLock;
  throttleStore: SourceThrottleStore;
  /** Per-user device and queue slots (fair use), counted across every process of the cluster. */
  userQuotas: UserQuotaLedger;
  /** One line for the start-up banner. */
  description: string;
  close(): Promise<void>;
}

export async function openCluster(config: ClusterConfig, clock: () => number): Promise<Cluster> {
  if (!config.redisUrl) {
    return {
      roomLock: new LocalDeviceRoomLock(clock),
      throttleStore: new LocalSourceThrottleStore(clock),
      userQuotas: new LocalUserQuotaLedger(clock),
      description: "local (single process)",
      close: async () => undefined,
    };
  }
  const connections: Redis[] = [];
  const connect = async () => {
    const redis = await connectRedis(config.redisUrl, config.redisKeyPrefix);
    connections.push(redis);
    return redis;
  };
  // Separate connections: RedisPresence subscribes on a duplicate of its own, and a slow
  // room-listing scan must not delay a lock renewal.
  const [presenceConnection, driverConnection, lockConnection] = await Promise.all([connect(), connect(), connect()]);
  // Channels carry the key prefix too: BATON_REDIS_KEY_PREFIX names the cluster (clusterPresence.ts).
  const presence = new ClusterRedisPresence(presenceConnection, config.redisKeyPrefix);
  return {
    presence,
    driver: new RedisDriver(driverConnection),
    publicAddress: config.publicAddress,
    roomLock: new RedisDeviceRoomLock(lockConnection),
    throttleStore: new RedisSourceThrottleStore(lockConnection),
    userQuotas: new RedisUserQuotaLedger(lockConnection),
    description: `Redis ${redactRedisUrl(config.redisUrl)}${config.redisKeyPrefix ? ` (keys and channels prefixed "${config.redisKeyPrefix}")` : ""}, public address ${config.publicAddress}`,
    // After Colyseus' graceful stop (which has quit the presence's and the driver's
    // connections already) or on its own (in-process servers): every connection is quit once.
    async close() {
      await presence.close();
      await Promise.all(connections.filter((redis) => redis !== presenceConnection).map(async (redis) => {
        redis.removeAllListeners("error");
        redis.on("error", () => undefined);
        if (redis.status === "end") return;
        await redis.quit().catch(() => redis.disconnect());
      }));
    },
  };
}
