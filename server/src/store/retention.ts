/**
 * Retention: history, results, orphans and audit entries older than BATON_RETENTION_DAYS
 * are deleted by a periodic job (at start-up, then hourly). Device state and the registry
 * are never pruned: they are what the fencing and the joins rest on. 0 days = keep forever.
 */
import type { BatonStore } from "../ports/store.ts";
import type { Logger } from "../observability/logger.ts";

export const RETENTION_INTERVAL_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Starts the job; returns the function that stops it. The timer never keeps the process alive. */
export function startRetention(store: BatonStore, retentionDays: number, clock: () => number, logger: Pick<Logger, "info" | "error">, intervalMs = RETENTION_INTERVAL_MS): () => void {
  if (retentionDays <= 0) return () => {};
  const sweep = async () => {
    try {
      const removed = await store.purgeOlderThan(clock() - retentionDays * DAY_MS);
      if (removed > 0) logger.info(`retention removed ${removed} records older than ${retentionDays} days`);
    } catch (error) {
      logger.error({ err: error }, "the retention job failed (it runs again later)");
    }
  };
  void sweep();
  const timer = setInterval(sweep, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
