/**
 * Bookings no device room attended (docs/BOOKINGS.md): a slot whose device had no room during
 * its window (nobody connected, not even the device) is never checked in nor missed by the
 * core; once it has ended (with an hour's margin, for a room's own write in flight) it is
 * closed as `cancelled` — nobody could have claimed the device, so it is not a no-show. At
 * start-up, then hourly.
 */
import type { BatonStore } from "../ports/store.ts";
import type { Logger } from "../observability/logger.ts";

export const BOOKING_SWEEP_INTERVAL_MS = 3_600_000;
const MARGIN_MS = 3_600_000;

/** Starts the job; returns the function that stops it. The timer never keeps the process alive. */
export function startBookingSweep(store: BatonStore, clock: () => number, logger: Pick<Logger, "info" | "error">, intervalMs = BOOKING_SWEEP_INTERVAL_MS): () => void {
  const sweep = async () => {
    try {
      const now = clock();
      const closed = await store.bookings.closeUnattended(now - MARGIN_MS, now);
      if (closed > 0) logger.info(`closed ${closed} booking(s) whose slot ended while their device had no room (not counted as no-shows)`);
    } catch (error) {
      logger.error({ err: error }, "closing unattended bookings failed (tried again later)");
    }
  };
  void sweep();
  const timer = setInterval(sweep, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
