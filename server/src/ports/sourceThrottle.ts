/**
 * Port: where the secret-guessing throttle (auth/sourceThrottle.ts) keeps its record of each
 * client address. The rules live once, in the throttle; a store only keeps records and
 * changes one atomically — in memory for one process, in Redis for a cluster, so that a
 * guesser spreading its attempts over N processes gets no N-fold budget.
 *
 * Conformance suite: `test/conformance/sourceThrottle.cases.ts`, run against both adapters.
 */

/** What the throttle remembers about one client address. */
export interface SourceRecord {
  /** Start times of this source's checks still in flight (a check whose process died expires from here). */
  pending: number[];
  /** Wrong secrets since the source was last in good standing. */
  failures: number;
  lastFailureAt: number;
  /** No check is admitted before this time. */
  blockedUntil: number;
}

export interface SourceThrottleStore {
  read(source: string): Promise<SourceRecord | undefined>;
  /**
   * Changes the record of `source` atomically with respect to every other caller, in this
   * process or another: `change` gets the current record and returns the next one
   * (undefined forgets it) and a result. `change` must be pure: it may run more than once
   * when another caller changed the record first. The record is forgotten `keepMs` after
   * this write. Throws when the change cannot be made (the store is unreachable, or too
   * contended): the caller decides what that means.
   */
  update<T>(source: string, change: (current: SourceRecord | undefined) => { next: SourceRecord | undefined; result: T }, keepMs: number): Promise<T>;
}
