/**
 * Slows down whoever guesses device secrets, by client address — never the device itself.
 *
 * A source may have `failuresPerSource` wrong secrets outstanding; checks still in flight
 * count as failures until they succeed, so a burst of parallel guesses is cut off before
 * any of its hashes finish. Past the limit, the source backs off for one second, doubling
 * with every further wrong secret up to `backoffMaxMs`; after a back-off it gets one
 * attempt at a time. A right secret clears the source's record.
 *
 * The rules are here, once; the records live in a `SourceThrottleStore` (ports/
 * sourceThrottle.ts): memory for one process, Redis for a cluster, where every process sees
 * the same counts. A check in flight is remembered by its start time and forgotten after
 * `pendingExpiryMs`, so one that never reports back (its process was killed) cannot hold
 * its address off for good.
 */
import type { SourceRecord, SourceThrottleStore } from "../ports/sourceThrottle.ts";

export interface SourceThrottleOptions {
  failuresPerSource: number;
  backoffMaxMs: number;
  clock: () => number;
  /** A check in flight for longer than this is forgotten (default: 30 s). */
  pendingExpiryMs?: number;
}

export type Admission = { admitted: true } | { admitted: false; retryAfterMs: number };

const PROBATION_WAIT_MS = 1_000;

export class SourceThrottle {
  private readonly pendingExpiryMs: number;
  /** Records are irrelevant once both a whole back-off and a check's lifetime have passed. */
  private readonly keepMs: number;

  constructor(private readonly store: SourceThrottleStore, private readonly options: SourceThrottleOptions) {
    this.pendingExpiryMs = options.pendingExpiryMs ?? 30_000;
    this.keepMs = Math.max(options.backoffMaxMs, this.pendingExpiryMs) + 1_000;
  }

  /** Admits one check from `source` (and counts it as pending), or says how long to wait. */
  admit(source: string): Promise<Admission> {
    const now = this.options.clock();
    return this.store.update(source, (stored) => {
      const record = this.current(stored, now);
      const waitMs = this.waitOf(record, now);
      if (waitMs > 0) return { next: stored, result: { admitted: false, retryAfterMs: waitMs } as Admission };
      const next = record ?? { pending: [], failures: 0, lastFailureAt: 0, blockedUntil: 0 };
      next.pending.push(now);
      return { next, result: { admitted: true } as Admission };
    }, this.keepMs);
  }

  /** How long `source` must wait before a check would be admitted (0: now), without counting anything. */
  async waitFor(source: string): Promise<number> {
    const now = this.options.clock();
    return this.waitOf(this.current(await this.store.read(source), now), now);
  }

  /** The admitted check found the right secret: the source is in good standing again. */
  succeeded(source: string): Promise<void> {
    return this.change(source, (record) => {
      record.pending.shift();
      return record.pending.length === 0 ? undefined : { ...record, failures: 0, blockedUntil: 0 };
    });
  }

  /** The admitted check found a wrong secret. */
  failed(source: string): Promise<void> {
    const now = this.options.clock();
    return this.change(source, (record) => {
      record.pending.shift();
      record.failures++;
      record.lastFailureAt = now;
      const over = record.failures - this.options.failuresPerSource;
      if (over >= 0) record.blockedUntil = now + Math.min(1_000 * 2 ** Math.min(over, 30), this.options.backoffMaxMs);
      return record;
    }, true);
  }

  /** The admitted check never ran (the server was busy): it is neither a success nor a failure. */
  abandoned(source: string): Promise<void> {
    return this.change(source, (record) => {
      record.pending.shift();
      return record.pending.length === 0 && record.failures === 0 ? undefined : record;
    });
  }

  private async change(source: string, apply: (record: SourceRecord) => SourceRecord | undefined, createIfMissing = false): Promise<void> {
    const now = this.options.clock();
    await this.store.update(source, (stored) => {
      const record = this.current(stored, now) ?? (createIfMissing ? { pending: [], failures: 0, lastFailureAt: 0, blockedUntil: 0 } : undefined);
      return { next: record ? apply(record) : undefined, result: undefined };
    }, this.keepMs);
  }

  /** The stored record as it stands now: expired checks dropped, a forgiven source forgotten. */
  private current(stored: SourceRecord | undefined, now: number): SourceRecord | undefined {
    if (!stored) return undefined;
    const record = { ...stored, pending: stored.pending.filter((startedAt) => now - startedAt < this.pendingExpiryMs) };
    // Failures are forgiven once a whole maximum back-off has passed without a new one.
    const forgiven = record.pending.length === 0 && (record.failures === 0 || (now - record.lastFailureAt > this.options.backoffMaxMs && record.blockedUntil <= now));
    return forgiven ? undefined : record;
  }

  private waitOf(record: SourceRecord | undefined, now: number): number {
    if (!record) return 0;
    const limit = this.options.failuresPerSource;
    if (record.blockedUntil > now) return record.blockedUntil - now;
    // Below the limit, in-flight checks count as failures; past it, one probation attempt at a time.
    const outstanding = record.failures >= limit ? record.pending.length : record.pending.length + record.failures;
    const allowed = record.failures >= limit ? 1 : limit;
    return outstanding >= allowed ? PROBATION_WAIT_MS : 0;
  }
}
