/**
 * Bookings (issue 24 part 3): "the spectrometer is mine 14:00–14:30 on Thursday". Types of
 * the pure rules; no store, no clock, no sockets. The rules per device kind come from
 * configuration (`BATON_BOOKING_RULES`, config/bookingRules.ts).
 */

/**
 * Where a booking is in its life:
 * - `booked`: the slot is the user's; it has not started, or its check-in window is open;
 * - `checked_in`: the booker claimed the device in the window; the slot is theirs to its end;
 * - `no_show`: the window passed without a check-in; the slot went to the line, and the miss
 *   counts against the user (BOOKING_NO_SHOWS);
 * - `cancelled`: withdrawn before its slot started.
 * A booking whose end has passed keeps its status (`checked_in` = used, `booked` never
 * happens after the window: the room marks it `no_show`).
 */
export type BookingStatus = "booked" | "checked_in" | "no_show" | "cancelled";

export const BOOKING_STATUSES: readonly BookingStatus[] = ["booked", "checked_in", "no_show", "cancelled"];

export interface Booking {
  bookingId: string;
  deviceId: string;
  /** The device's kind when it was booked: the rules and the weekly hours are counted per kind. */
  kind: string;
  userId: string;
  /** The booker's display name, the only thing others see of them. */
  userName: string;
  /** Slot, ms since the Unix epoch, half-open: [start, end). */
  start: number;
  end: number;
  status: BookingStatus;
  createdAt: number;
  /** When the status last changed (created, checked in, missed, cancelled). */
  updatedAt: number;
}

/** The rules of one device kind, all in milliseconds (config/bookingRules.ts reads them in minutes, hours, days). */
export interface BookingRules {
  /** False: devices of this kind cannot be booked. */
  enabled: boolean;
  /** The longest slot. */
  maxSlotMs: number;
  /** The shortest slot (so a calendar is not sliced into one-second bookings). */
  minSlotMs: number;
  /** How far ahead a slot may start. */
  maxAheadMs: number;
  /** Booked time per user and week (Monday 00:00 UTC), over every device of the kind; 0 = no cap. */
  weeklyMsPerUser: number;
  /** From the slot's start, how long the device is kept for the booker to check in (claim). */
  checkInWindowMs: number;
  /** Whoever holds the device this long before a slot starts is warned (0 = no warning). */
  warnBeforeMs: number;
  /** This many missed slots within `noShowLookbackMs` refuse new bookings of the kind (0 = never). */
  maxNoShows: number;
  noShowLookbackMs: number;
  /** Live bookings (booked or checked in, not yet ended) one user may hold of the kind at once: bounds what one user can store. */
  maxUpcomingPerUser: number;
}

/** A booking request as the rules see it (the caller has checked the shape). */
export interface BookingRequest {
  deviceId: string;
  kind: string;
  userId: string;
  start: number;
  end: number;
}

/**
 * What the rules must know besides the request, read from the store by the caller:
 * - `deviceBookings`: the device's live bookings (booked or checked in) that overlap the slot
 *   (more is fine, they are filtered);
 * - `userBookings`: the user's bookings of devices of the same kind — those starting in the
 *   slot's week and the missed ones of the lookback (more is fine).
 */
export interface BookingFacts {
  now: number;
  rules: BookingRules;
  deviceBookings: readonly Booking[];
  userBookings: readonly Booking[];
}
