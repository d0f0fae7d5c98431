/**
 * Slows down whoever guesses device secrets, by client address — never the device itself.
 *
 * A source may have `failuresPerSource` wrong secrets outstanding; checks still in flight
 * count as failures until they succeed, so a burst of parallel guesses is cut off before
 * any of its hashes finish. Past the limit, the source backs off for one second, doubling
 * with every further wrong secret up to `backoffMaxMs`; after a back-off it gets one
 * attempt at a time. A right secret clears the source's record.
 *
 * Memory is bounded: at most `maxSources` addresses are remembered; when full, the oldest
 * records that block nothing are forgotten first.
 */
export interface SourceThrottleOptions {
  failuresPerSource: number;
  backoffMaxMs: number;
  clock: () => number;
  maxSources?: number;
}

interface SourceRecord {
  pending: number;
  failures: number;
  lastFailureAt: number;
  blockedUntil: number;
}

export class SourceThrottle {
  private readonly sources = new Map<string, SourceRecord>();
  private readonly maxSources: number;

  constructor(private readonly options: SourceThrottleOptions) {
    this.maxSources = options.maxSources ?? 100_000;
  }

  /** Admits one check from `source` (and counts it as pending), or says how long to wait. */
  admit(source: string): { admitted: true } | { admitted: false; retryAfterMs: number } {
    const waitMs = this.waitFor(source);
    if (waitMs > 0) return { admitted: false, retryAfterMs: waitMs };
    this.recordFor(source, this.options.clock()).pending++;
    return { admitted: true };
  }

  /** How long `source` must wait before a check would be admitted (0: now), without counting anything. */
  waitFor(source: string): number {
    const now = this.options.clock();
    const record = this.sources.get(source);
    if (!record) return 0;
    const limit = this.options.failuresPerSource;
    if (record.blockedUntil > now) return record.blockedUntil - now;
    if (record.pending === 0 && record.failures > 0 && now - record.lastFailureAt > this.options.backoffMaxMs) return 0;
    // Below the limit, in-flight checks count as failures; past it, one probation attempt at a time.
    const outstanding = record.failures >= limit ? record.pending : record.pending + record.failures;
    const allowed = record.failures >= limit ? 1 : limit;
    return outstanding >= allowed ? 1_000 : 0;
  }

  /** The admitted check found the right secret: the source is in good standing again. */
  succeeded(source: string): void {
    const record = this.sources.get(source);
    if (!record) return;
    record.pending = Math.max(0, record.pending - 1);
    record.failures = 0;
    record.blockedUntil = 0;
    if (record.pending === 0) this.sources.delete(source);
  }

  /** The admitted check found a wrong secret. */
  failed(source: string): void {
    const now = this.options.clock();
    const record = this.recordFor(source, now);
    record.pending = Math.max(0, record.pending - 1);
    record.failures++;
    record.lastFailureAt = now;
    const over = record.failures - this.options.failuresPerSource;
    if (over >= 0) record.blockedUntil = now + Math.min(1_000 * 2 ** Math.min(over, 30), this.options.backoffMaxMs);
  }

  /** The admitted check never ran (the server was busy): it is neither a success nor a failure. */
  abandoned(source: string): void {
    const record = this.sources.get(source);
    if (record) record.pending = Math.max(0, record.pending - 1);
  }

  private recordFor(source: string, now: number): SourceRecord {
    let record = this.sources.get(source);
    // Failures are forgiven once a whole maximum back-off has passed without a new one.
    if (record && record.pending === 0 && record.failures > 0 && now - record.lastFailureAt > this.options.backoffMaxMs && record.blockedUntil <= now) {
      this.sources.delete(source);
      record = undefined;
    }
    if (!record) {
      if (this.sources.size >= this.maxSources) this.forgetIdle(now);
      record = { pending: 0, failures: 0, lastFailureAt: 0, blockedUntil: 0 };
      this.sources.set(source, record);
    }
    return record;
  }

  /** Drops the oldest records that block nothing; if every record blocks, the oldest one. */
  private forgetIdle(now: number) {
    for (const [source, record] of this.sources) {
      if (record.pending === 0 && record.blockedUntil <= now) {
        this.sources.delete(source);
        if (this.sources.size < this.maxSources) return;
      }
    }
    const oldest = this.sources.keys().next().value;
    if (oldest !== undefined) this.sources.delete(oldest);
  }
}
