/**
 * Port: booked slots of devices (issue 24 part 3; the rules are session/bookings/). Durable,
 * readable without the device's room: the HTTP API writes here, and the device's room reads
 * its upcoming slots from here and records check-ins and no-shows.
 *
 * `create` is atomic: it reads what the rules need, asks them (`admit`) and inserts, with no
 * other booking of the same device (nor of the same user) written in between — on SQLite one
 * transaction on the single writing connection, on PostgreSQL a transaction holding advisory
 * locks on the device and the user. Of two concurrent requests for one slot exactly one is
 * stored. Every adapter runs through test/conformance/bookings.cases.ts.
 */
import type { Booking, BookingStatus } from "../session/bookings/index.ts";
import type { Rejection } from "../session/types.ts";

export type { Booking, BookingStatus };

/** What the rules are given inside `create`'s transaction (session/bookings/types.ts `BookingFacts`). */
export interface StoredBookingFacts {
  /** The device's live bookings (booked or checked in) overlapping the new slot. */
  deviceBookings: Booking[];
  /** The user's bookings of the same kind starting in [userFrom, userTo), any status. */
  userBookings: Booking[];
}

export interface BookingCreate {
  booking: Booking;
  /** The span of the user's bookings the rules look at (the slot's week, the no-show lookback). */
  userFrom: number;
  userTo: number;
  /** The rules: null admits the booking. Called once, inside the transaction. */
  admit: (facts: StoredBookingFacts) => Rejection | null;
}

export type BookingCreated = { created: Booking } | { refused: Rejection };

export interface BookingStore {
  create(request: BookingCreate): Promise<BookingCreated>;
  find(bookingId: string): Promise<Booking | undefined>;
  /** The device's bookings whose slot overlaps [from, to), earliest first; `statuses` filters (all when absent). */
  listForDevice(deviceId: string, range: { from: number; to: number; statuses?: readonly BookingStatus[] }): Promise<Booking[]>;
  /** The user's bookings whose slot overlaps [from, to), earliest first. */
  listForUser(userId: string, range: { from: number; to: number; statuses?: readonly BookingStatus[] }): Promise<Booking[]>;
  /**
   * Moves a booking from one of `from` to `to` (at `at`), only if it is in one of `from`
   * now: of two concurrent transitions one wins. Returns the booking as changed, or
   * undefined when it did not exist or was in another status.
   */
  transition(bookingId: string, from: readonly BookingStatus[], to: BookingStatus, at: number): Promise<Booking | undefined>;
  /**
   * Bookings still `booked` whose slot ended before `endedBefore` become `cancelled` (at
   * `at`): no device room saw their window (nobody was connected, not even the device), so
   * nobody could have checked in and the miss is not counted. Returns how many.
   */
  closeUnattended(endedBefore: number, at: number): Promise<number>;
  /**
   * Ends a checked-in booking early: its `end` becomes `at` (only if it is `checked_in` and
   * ends later). The device's room then drops the slot and serves the line. Returns the
   * booking as changed, or undefined.
   */
  finishEarly(bookingId: string, at: number): Promise<Booking | undefined>;
}

/** Bookings are limited in number per request (listing) so a calendar query stays bounded. */
export const MAX_BOOKINGS_LISTED = 500;
