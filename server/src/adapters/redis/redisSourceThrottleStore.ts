/**
 * SourceThrottleStore over Redis, shared by a cluster: each record is a JSON value with an
 * expiry; a change is optimistic — read, compute, then write only if the value is still
 * what was read (a compare-and-set script), else read again. A guesser hammering one
 * address from many processes contends on one key; after `MAX_ATTEMPTS` the change fails
 * and the throttle refuses the attempt (it fails closed).
 */
import type { Redis } from "ioredis";
import type { SourceRecord, SourceThrottleStore } from "../../ports/sourceThrottle.ts";

const recordKey = (source: string) => `baton:source-throttle:${source}`;
const MAX_ATTEMPTS = 16;

/** KEYS[1] = record; ARGV = [expected JSON or "" for none, next JSON or "" to delete, keepMs]. 1 = written, 0 = changed meanwhile. */
const COMPARE_AND_SET = `
local current = redis.call("GET", KEYS[1])
if (current == false and ARGV[1] ~= "") or (current ~= false and current ~= ARGV[1]) then
  return 0
end
if ARGV[2] == "" then
  redis.call("DEL", KEYS[1])
else
  redis.call("SET", KEYS[1], ARGV[2], "PX", ARGV[3])
end
return 1`;

export class RedisSourceThrottleStore implements SourceThrottleStore {
  constructor(private readonly redis: Redis) {}

  async read(source: string): Promise<SourceRecord | undefined> {
    const text = await this.redis.get(recordKey(source));
    return text ? (JSON.parse(text) as SourceRecord) : undefined;
  }

  async update<T>(source: string, change: (current: SourceRecord | undefined) => { next: SourceRecord | undefined; result: T }, keepMs: number): Promise<T> {
    const key = recordKey(source);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const text = await this.redis.get(key);
      const { next, result } = change(text ? (JSON.parse(text) as SourceRecord) : undefined);
      const written = await this.redis.eval(COMPARE_AND_SET, 1, key, text ?? "", next ? JSON.stringify(next) : "", Math.max(1, Math.ceil(keepMs)));
      if (written === 1) return result;
      // Someone else changed it first: a short random pause spreads the contenders out.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 2 * (attempt + 1)));
    }
    throw new Error(`the throttle record of ${source} is too contended to change`);
  }
}
