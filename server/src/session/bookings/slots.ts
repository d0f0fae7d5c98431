/**
 * The booked slots in a core state, read without any rule (session/bookings/schedule.ts holds
 * the rules): which slot reserves the device now, and the slots' deadlines. Apart so that
 * session/deadlines.ts can gather them without importing the rules.
 */
import type { BookedSlot, CoreState } from "../types.ts";

export type BookingDeadlineKind = "booking_warn" | "booking_start" | "booking_lapse" | "booking_end";

export const slotsOf = (state: CoreState): BookedSlot[] => state.bookings ?? [];

/** When the reservation of `slot` ends: the window before the check-in, the slot's end after. */
export const reservedUntil = (slot: BookedSlot) => (slot.checkedIn ? slot.end : slot.checkInUntil);

/** The slot that reserves the device at `now`, if any. */
export function reservedSlot(state: CoreState, now: number): BookedSlot | undefined {
  return slotsOf(state).find((slot) => slot.start <= now && now < reservedUntil(slot));
}

/** The bookings' deadlines that apply now (session/deadlines.ts gathers them with the others). */
export function bookingDeadlines(state: CoreState): { at: number; kind: BookingDeadlineKind }[] {
  const deadlines: { at: number; kind: BookingDeadlineKind }[] = [];
  for (const slot of slotsOf(state)) {
    if (!slot.warned) deadlines.push({ at: slot.warnAt, kind: "booking_warn" });
    if (!slot.checkedIn) {
      // Only while someone stands in the booker's way (or the booker already holds it).
      if (state.session || state.offer) deadlines.push({ at: slot.start, kind: "booking_start" });
      deadlines.push({ at: slot.checkInUntil, kind: "booking_lapse" });
    } else {
      deadlines.push({ at: slot.end, kind: "booking_end" });
    }
  }
  return deadlines;
}

