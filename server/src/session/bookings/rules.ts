/**
 * The booking rules of one device kind, as pure functions of a request and what the store
 * knows (types.ts `BookingFacts`). The store applies the same conflict rule atomically
 * (ports/bookings.ts), so two concurrent requests for one slot cannot both pass; these
 * functions give the sentence and decide everything else.
 */
import { ErrorCode } from "@baton/protocol";
import { rejection } from "../rejection.ts";
import type { Rejection } from "../types.ts";
import type { Booking, BookingFacts, BookingRequest, BookingRules, BookingStatus } from "./types.ts";

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** 1970-01-01 was a Thursday: Monday 1969-12-29 00:00 UTC is three days before the epoch. */
const MONDAY_OFFSET_MS = 3 * DAY_MS;

/** Monday 00:00 UTC of the week holding `at`. */
export function weekStartOf(at: number): number {
  return Math.floor((at + MONDAY_OFFSET_MS) / WEEK_MS) * WEEK_MS - MONDAY_OFFSET_MS;
}

export { WEEK_MS };

/** Statuses that hold a slot: nobody else may book it. */
export function holdsSlot(status: BookingStatus): boolean {
  return status === "booked" || status === "checked_in";
}

/** Statuses that count toward the weekly hours: every booking but a cancelled one (a miss used the slot too). */
export function countsTowardWeek(status: BookingStatus): boolean {
  return status !== "cancelled";
}

/** Half-open slots [start, end) overlap. */
export function overlaps(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  return a.start < b.end && b.start < a.end;
}

/** The first live booking of the device that overlaps the slot, earliest first. */
export function conflictOf(slot: { deviceId: string; start: number; end: number }, bookings: readonly Booking[]): Booking | undefined {
  return bookings
    .filter((booking) => booking.deviceId === slot.deviceId && holdsSlot(booking.status) && overlaps(booking, slot))
    .sort((a, b) => a.start - b.start)[0];
}

/** Booked time of the user in the week starting `weekStart` on devices of `kind` (by slot start). */
export function bookedInWeek(userId: string, kind: string, weekStart: number, bookings: readonly Booking[]): number {
  return bookings
    .filter((booking) => booking.userId === userId && booking.kind === kind && countsTowardWeek(booking.status))
    .filter((booking) => booking.start >= weekStart && booking.start < weekStart + WEEK_MS)
    .reduce((sum, booking) => sum + (booking.end - booking.start), 0);
}

/** The user's missed slots of `kind` that started within the lookback before `now`. */
export function recentNoShows(userId: string, kind: string, now: number, lookbackMs: number, bookings: readonly Booking[]): number {
  return bookings.filter((booking) => booking.userId === userId && booking.kind === kind && booking.status === "no_show" && booking.start > now - lookbackMs && booking.start <= now).length;
}

/** The shape of the slot alone: order, past, length, how far ahead. */
export function slotProblem(request: BookingRequest, rules: BookingRules, now: number): Rejection | null {
  const kind = request.kind;
  if (!rules.enabled) return rejection(ErrorCode.BOOKING_INVALID, { reason: "bookingsOff", kind });
  if (!(request.end > request.start)) return rejection(ErrorCode.BOOKING_INVALID, { reason: "endBeforeStart" });
  if (request.end <= now) return rejection(ErrorCode.BOOKING_INVALID, { reason: "inPast", now });
  const length = request.end - request.start;
  if (length > rules.maxSlotMs) return rejection(ErrorCode.BOOKING_INVALID, { reason: "tooLong", maxSlotMs: rules.maxSlotMs, kind });
  if (length < rules.minSlotMs) return rejection(ErrorCode.BOOKING_INVALID, { reason: "tooShort", minSlotMs: rules.minSlotMs, kind });
  if (request.start > now + rules.maxAheadMs) return rejection(ErrorCode.BOOKING_INVALID, { reason: "tooFarAhead", maxAheadMs: rules.maxAheadMs, kind });
  return null;
}

/**
 * Whether the request may be booked now, or why not: the slot's shape, the user's recent
 * misses, how many live bookings they hold, the weekly hours, then conflicts with the
 * device's live bookings (`userBookings` must then hold the user's upcoming ones too). A slot that has
 * started may still be booked (what is left of it), as long as it does not overlap another.
 */
export function checkNewBooking(request: BookingRequest, facts: BookingFacts): Rejection | null {
  const { rules, now } = facts;
  const shape = slotProblem(request, rules, now);
  if (shape) return shape;
  if (rules.maxNoShows > 0) {
    const missed = recentNoShows(request.userId, request.kind, now, rules.noShowLookbackMs, facts.userBookings);
    if (missed >= rules.maxNoShows) return rejection(ErrorCode.BOOKING_NO_SHOWS, { kind: request.kind, noShows: missed, lookbackMs: rules.noShowLookbackMs });
  }
  const upcoming = facts.userBookings.filter((booking) => booking.userId === request.userId && booking.kind === request.kind && holdsSlot(booking.status) && booking.end > now).length;
  if (upcoming >= rules.maxUpcomingPerUser) return rejection(ErrorCode.BOOKING_LIMIT, { kind: request.kind, limit: rules.maxUpcomingPerUser });
  if (rules.weeklyMsPerUser > 0) {
    const weekStart = weekStartOf(request.start);
    const used = bookedInWeek(request.userId, request.kind, weekStart, facts.userBookings);
    if (used + (request.end - request.start) > rules.weeklyMsPerUser) {
      return rejection(ErrorCode.BOOKING_QUOTA, { kind: request.kind, weeklyMs: rules.weeklyMsPerUser, usedMs: used, weekStart });
    }
  }
  const conflict = conflictOf(request, facts.deviceBookings);
  if (conflict) return rejection(ErrorCode.BOOKING_CONFLICT, { deviceId: request.deviceId, start: conflict.start, end: conflict.end });
  return null;
}

/**
 * Whether `booking` may be cancelled by its owner (or an admin) now: only while booked and
 * before its slot starts. Once the slot has started the device is being kept for the booker:
 * they check in, or the window lapses and the miss counts.
 */
export function cancelProblem(booking: Booking, now: number): Rejection | null {
  if (booking.status !== "booked" || booking.start <= now) {
    return rejection(ErrorCode.BOOKING_CLOSED, { bookingId: booking.bookingId, status: booking.status === "booked" ? "started" : booking.status });
  }
  return null;
}

/** What other users may see of a booking: the slot and the booker's display name, never their id. */
export function publicView(booking: Booking): Pick<Booking, "bookingId" | "deviceId" | "start" | "end" | "status" | "userName"> {
  return { bookingId: booking.bookingId, deviceId: booking.deviceId, start: booking.start, end: booking.end, status: booking.status, userName: booking.userName };
}
