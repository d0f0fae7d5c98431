/**
 * The device room's read of its booked slots (ports/bookings.ts → session/bookings/schedule.ts):
 * the slots that have not ended and start within the horizon, with the check-in window and
 * the warning of the device kind's rules. The room loads them at creation, when the HTTP API
 * says they changed (`reloadBookings`), and at registry polls at most every RELOAD_MS, so the
 * horizon moves on and a change made elsewhere (the CLI, another process) arrives.
 */
import type { BookedSlot } from "../../session/index.ts";
import { rulesForKind } from "../../session/bookings/index.ts";
import type { RoomServices } from "../services.ts";

/** How far ahead the room looks: past any kind's warning, short enough to keep the core small. */
export const BOOKINGS_HORIZON_MS = 24 * 3_600_000;
/** How often a registry poll re-reads the slots. */
export const BOOKINGS_RELOAD_MS = 30_000;

export async function loadBookedSlots(services: RoomServices, deviceId: string): Promise<BookedSlot[]> {
  const now = services.clock();
  const device = await services.registry.find(deviceId);
  const rules = rulesForKind(services.config.bookingRules, device?.kind ?? "");
  const bookings = await services.store.bookings.listForDevice(deviceId, { from: now, to: now + BOOKINGS_HORIZON_MS, statuses: ["booked", "checked_in"] });
  return bookings.map((booking) => ({
    bookingId: booking.bookingId,
    user: { userId: booking.userId, name: booking.userName },
    start: booking.start,
    end: booking.end,
    checkInUntil: Math.min(booking.end, booking.start + rules.checkInWindowMs),
    warnAt: booking.start - rules.warnBeforeMs,
    checkedIn: booking.status === "checked_in",
    warned: false,
  }));
}

/**
 * Loads and applies, one read at a time (a reload asked during a read runs once after it),
 * at most every BOOKINGS_RELOAD_MS unless forced.
 */
export class BookingSlotsLoader {
  private running: Promise<void> | null = null;
  private again = false;
  private lastAt = 0;

  constructor(private readonly services: RoomServices, private readonly deviceId: string, private readonly apply: (slots: BookedSlot[]) => void, private readonly closed: () => boolean) {}

  /** Re-reads now (`force`), or if the last read is older than BOOKINGS_RELOAD_MS. */
  reload(force: boolean): Promise<void> {
    if (!force && this.services.clock() - this.lastAt < BOOKINGS_RELOAD_MS) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          this.lastAt = this.services.clock();
          const slots = await loadBookedSlots(this.services, this.deviceId);
          if (this.closed()) return;
          this.apply(slots);
        } while (this.again);
      } catch (error) {
        this.services.logger.error({ err: error }, `device room ${this.deviceId}: reading its bookings failed (tried again at the next registry poll)`);
        this.lastAt = 0;
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }
}
