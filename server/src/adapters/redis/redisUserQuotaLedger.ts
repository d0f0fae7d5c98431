/**
 * UserQuotaLedger over Redis, shared by every process of a cluster. Per user and kind, one
 * sorted set: member = device id, score = when the slot expires (Redis' own clock, `TIME`,
 * so the processes' clocks never disagree about it). `reserve` is one Lua script — drop the
 * expired members, then renew the slot if held, else add it if fewer than `limit` remain —
 * so concurrent reservations from any number of processes are applied one after the other.
 * The key itself expires with its newest slot, so a user who leaves leaves nothing behind.
 */
import type { Redis } from "ioredis";
import type { QuotaKind, QuotaSlot, Reservation, UserQuotaLedger } from "../../ports/userQuotas.ts";

const quotaKey = (userId: string, kind: QuotaKind) => `baton:user-quota:${kind}:${userId}`;

const NOW = `
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** KEYS[1] = the user's set; ARGV = [deviceId, limit, ttlMs] → {granted 0/1, held}. */
const RESERVE = `${NOW}
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", now)
local ttl = tonumber(ARGV[3])
if not redis.call("ZSCORE", KEYS[1], ARGV[1]) and redis.call("ZCARD", KEYS[1]) >= tonumber(ARGV[2]) then
  return {0, redis.call("ZCARD", KEYS[1])}
end
redis.call("ZADD", KEYS[1], now + ttl, ARGV[1])
redis.call("PEXPIRE", KEYS[1], ttl)
return {1, redis.call("ZCARD", KEYS[1])}`;

/** KEYS = sets; ARGV = [ttlMs, deviceId per key]: (re-)takes each slot whatever the limit. */
const RENEW = `${NOW}
local ttl = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  redis.call("ZADD", key, now + ttl, ARGV[i + 1])
  redis.call("PEXPIRE", key, ttl)
end
return 0`;

const HELD = `${NOW}
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", now)
return redis.call("ZRANGE", KEYS[1], 0, -1)`;

export class RedisUserQuotaLedger implements UserQuotaLedger {
  constructor(private readonly redis: Redis) {}

  async reserve(slot: QuotaSlot, limit: number, ttlMs: number): Promise<Reservation> {
    const [granted, held] = (await this.redis.eval(RESERVE, 1, quotaKey(slot.userId, slot.kind), slot.deviceId, limit, ttlMs)) as [number, number];
    return { granted: granted === 1, held };
  }

  async renew(slots: readonly QuotaSlot[], ttlMs: number): Promise<void> {
    if (slots.length === 0) return;
    await this.redis.eval(RENEW, slots.length, ...slots.map((slot) => quotaKey(slot.userId, slot.kind)), ttlMs, ...slots.map((slot) => slot.deviceId));
  }

  async release(slot: QuotaSlot): Promise<void> {
    await this.redis.zrem(quotaKey(slot.userId, slot.kind), slot.deviceId);
  }

  async held(userId: string, kind: QuotaKind): Promise<string[]> {
    return (await this.redis.eval(HELD, 1, quotaKey(userId, kind))) as string[];
  }
}
