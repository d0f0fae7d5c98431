/**
 * Reconnect delays: exponential backoff with jitter, bounded in attempts.
 *
 * Why jitter: after a server restart every device of a site loses its socket at the same
 * instant; without jitter they would all retry in lockstep and hit the fresh process in
 * waves. "Equal jitter" (half fixed, half random) keeps a floor under each delay, so a
 * device never retries immediately in a tight loop, while still spreading the herd.
 */
export interface BackoffPolicy {
  /** Delay before the first retry, before jitter. */
  baseDelayMs: number;
  /** Cap on any single delay. */
  maxDelayMs: number;
  /** Give up after this many failed attempts in a row (0 = never reconnect). */
  maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseDelayMs: 250, maxDelayMs: 10_000, maxAttempts: 10 };

/** Delay before attempt number `attempt` (1-based), in [ceiling/2, ceiling]. */
export function reconnectDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
