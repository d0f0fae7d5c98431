/**
 * DeviceRoomLock over Redis, shared by every process of a cluster: `SET key holder NX PX
 * ttl` takes the lease atomically (the first of any number of concurrent callers wins);
 * renewal and release are compare-and-set scripts, so a holder can only extend or delete
 * its own lease — never one that expired and was taken by a room in another process.
 * Expiry is Redis' own: a dead process's leases end `ttl` after its last renewal.
 */
import type { Redis } from "ioredis";
import type { DeviceRoomLock } from "../../ports/deviceRoomLock.ts";

const lockKey = (deviceId: string) => `baton:device-room:${deviceId}`;

/** KEYS = lock keys, ARGV = [ttlMs, holder per key]: extends each key still held by its holder; returns the indexes (1-based) of the lost ones. */
const RENEW = `
local lost = {}
for i, key in ipairs(KEYS) do
  if redis.call("GET", key) == ARGV[i + 1] then
    redis.call("PEXPIRE", key, ARGV[1])
  else
    lost[#lost + 1] = i
  end
end
return lost`;

const RELEASE = `
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0`;

export class RedisDeviceRoomLock implements DeviceRoomLock {
  constructor(private readonly redis: Redis) {}

  async acquire(deviceId: string, holder: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(lockKey(deviceId), holder, "PX", ttlMs, "NX")) === "OK";
  }

  async renew(leases: readonly { deviceId: string; holder: string }[], ttlMs: number): Promise<string[]> {
    if (leases.length === 0) return [];
    const lost = (await this.redis.eval(RENEW, leases.length, ...leases.map((lease) => lockKey(lease.deviceId)), ttlMs, ...leases.map((lease) => lease.holder))) as number[];
    return lost.map((index) => leases[index - 1].deviceId);
  }

  async release(deviceId: string, holder: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, lockKey(deviceId), holder);
  }

  async holder(deviceId: string): Promise<string | null> {
    return this.redis.get(lockKey(deviceId));
  }
}
