/**
 * Re-reading something from the store on an interval: once at once, then every `intervalMs`,
 * never keeping the process alive, and a failed read reported (the next one tries again).
 * Used by the watchers that carry store changes made elsewhere (the CLI, another process)
 * into this process's live rooms.
 */
import type { Logger } from "../observability/logger.ts";

export function pollStore(check: () => Promise<void>, intervalMs: number, what: string, logger: Pick<Logger, "error">): () => void {
  const poll = () => check().catch((error) => logger.error({ err: error }, `${what} failed`));
  void poll();
  const timer = setInterval(poll, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
