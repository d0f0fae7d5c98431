/**
 * "A result is stored durably before the device is acknowledged" holds even when the store
 * fails: the room's effects wait here, retrying with capped exponential backoff, until the
 * save succeeds or the room goes away. Meanwhile no `ack` leaves, so the device keeps the
 * result and re-sends it after any reconnect — nothing is lost, at worst delayed.
 */
import type { ResultStore, StoredResult } from "./results.ts";

export interface RetryPolicy {
  firstDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { firstDelayMs: 50, maxDelayMs: 5_000 };

/** Resolves true once stored; false if `stillWanted()` turns false first (the room was disposed). */
export async function saveUntilStored(
  store: ResultStore,
  result: StoredResult,
  stillWanted: () => boolean,
  onFailure: (error: unknown, attempt: number) => void,
  policy: RetryPolicy = DEFAULT_RETRY,
): Promise<boolean> {
  let delay = policy.firstDelayMs;
  for (let attempt = 1; stillWanted(); attempt++) {
    try {
      await store.save(result);
      return true;
    } catch (error) {
      onFailure(error, attempt);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(policy.maxDelayMs, delay * 2);
    }
  }
  return false;
}
