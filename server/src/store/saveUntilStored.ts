/**
 * "A result is stored durably before the device is acknowledged" holds even when the store
 * fails: the room's effects wait here, retrying with capped exponential backoff, until the
 * write succeeds or the room goes away. Meanwhile no `ack` (and no command) leaves, so the
 * device keeps its result and re-sends it after any reconnect — nothing is lost, at worst
 * delayed.
 */
import { EpochRegressionError } from "../ports/store.ts";

export interface RetryPolicy {
  firstDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { firstDelayMs: 50, maxDelayMs: 5_000 };

export type StoreAttempt<T> = { stored: true; value: T } | { stored: false };

/**
 * Runs `write` until it succeeds. The first attempt always happens; retries only while
 * `stillWanted()` (the room lives). An EpochRegressionError is final, never retried: another
 * writer holds a newer state, and writing again cannot succeed.
 */
export async function saveUntilStored<T>(
  write: () => Promise<T>,
  stillWanted: () => boolean,
  onFailure: (error: unknown, attempt: number) => void,
  policy: RetryPolicy = DEFAULT_RETRY,
): Promise<StoreAttempt<T>> {
  let delay = policy.firstDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return { stored: true, value: await write() };
    } catch (error) {
      onFailure(error, attempt);
      if (error instanceof EpochRegressionError || !stillWanted()) return { stored: false };
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(policy.maxDelayMs, delay * 2);
      if (!stillWanted()) return { stored: false };
    }
  }
}
