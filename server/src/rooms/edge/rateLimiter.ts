/**
 * A token bucket per connection: `burst` messages at once, refilled at `perSecond`.
 * Dropped messages are answered with RATE_LIMITED at most once per second per connection,
 * so a flood cannot turn the server into an amplifier.
 */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  private lastWarnedAt = -Infinity;

  constructor(private readonly limit: RateLimit, now: number) {
    this.tokens = limit.burst;
    this.updatedAt = now;
  }

  /** Takes one token; false when the connection is over its limit. */
  take(now: number): boolean {
    const elapsedSeconds = Math.max(0, now - this.updatedAt) / 1000;
    this.tokens = Math.min(this.limit.burst, this.tokens + elapsedSeconds * this.limit.perSecond);
    this.updatedAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** True at most once per second: whether to tell the sender it is being limited. */
  shouldWarn(now: number): boolean {
    if (now - this.lastWarnedAt < 1000) return false;
    this.lastWarnedAt = now;
    return true;
  }
}
