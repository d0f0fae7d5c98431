/**
 * The booking rules (rules.ts) on a fake clock: examples of each refusal, then properties —
 * whatever sequence of requests is decided by the rules, the accepted slots of one device
 * never overlap, and no user's booked time in a week passes the cap.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "@baton/protocol";
import { DEFAULT_BOOKING_RULES, rulesForKind } from "./kindRules.ts";
import { bookedInWeek, cancelProblem, checkNewBooking, conflictOf, overlaps, weekStartOf, WEEK_MS } from "./rules.ts";
import type { Booking, BookingRequest, BookingRules } from "./types.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;
/** Thursday 2026-12-10 14:00 UTC. */
const NOW = Date.UTC(2026, 11, 10, 14, 0);
const RULES: BookingRules = { ...DEFAULT_BOOKING_RULES, maxSlotMs: 2 * HOUR, minSlotMs: 15 * MIN, maxAheadMs: 7 * 24 * HOUR, weeklyMsPerUser: 3 * HOUR, maxNoShows: 2 };

let sequence = 0;
function booking(overrides: Partial<Booking> = {}): Booking {
  return { bookingId: `b-${++sequence}`, deviceId: "spectro", kind: "spectrometer", userId: "alice", userName: "Alice", start: NOW + HOUR, end: NOW + 2 * HOUR, status: "booked", createdAt: NOW, updatedAt: NOW, ...overrides };
}
function request(overrides: Partial<BookingRequest> = {}): BookingRequest {
  return { deviceId: "spectro", kind: "spectrometer", userId: "alice", start: NOW + HOUR, end: NOW + HOUR + 30 * MIN, ...overrides };
}
const check = (req: BookingRequest, device: Booking[] = [], user: Booking[] = [], rules = RULES) =>
  checkNewBooking(req, { now: NOW, rules, deviceBookings: device, userBookings: user });

describe("booking rules", () => {
  it("accepts a slot within the rules", () => {
    expect(check(request())).toBeNull();
  });

  it("refuses a slot the kind's rules do not allow, saying which rule", () => {
    expect(check(request({ end: NOW + HOUR }))).toMatchObject({ code: ErrorCode.BOOKING_INVALID, params: { reason: "endBeforeStart" } });
    expect(check(request({ start: NOW - 2 * HOUR, end: NOW - HOUR }))).toMatchObject({ params: { reason: "inPast" } });
    expect(check(request({ end: NOW + 3 * HOUR + MIN }))).toMatchObject({ params: { reason: "tooLong", maxSlotMs: 2 * HOUR } });
    expect(check(request({ end: NOW + HOUR + 5 * MIN }))).toMatchObject({ params: { reason: "tooShort" } });
    expect(check(request({ start: NOW + 8 * 24 * HOUR, end: NOW + 8 * 24 * HOUR + HOUR }))).toMatchObject({ params: { reason: "tooFarAhead" } });
    expect(check(request(), [], [], { ...RULES, enabled: false })).toMatchObject({ params: { reason: "bookingsOff" } });
  });

  it("accepts what is left of a slot that has started, if it is free", () => {
    expect(check(request({ start: NOW - 10 * MIN, end: NOW + 20 * MIN }))).toBeNull();
  });

  it("refuses an overlapping slot of the same device, but not a touching one nor another device's", () => {
    const taken = booking({ userId: "bob", userName: "Bob", start: NOW + HOUR, end: NOW + 2 * HOUR });
    expect(check(request({ start: NOW + 90 * MIN, end: NOW + 150 * MIN }), [taken])).toMatchObject({ code: ErrorCode.BOOKING_CONFLICT, params: { start: taken.start, end: taken.end } });
    expect(check(request({ start: NOW + 2 * HOUR, end: NOW + 150 * MIN }), [taken])).toBeNull();
    expect(check(request({ start: NOW + 30 * MIN, end: NOW + HOUR }), [taken])).toBeNull();
    expect(check(request(), [{ ...taken, deviceId: "other" }])).toBeNull();
    // A cancelled or missed booking no longer holds its slot.
    expect(check(request(), [{ ...taken, status: "cancelled" }, { ...taken, status: "no_show" }])).toBeNull();
  });

  it("counts weekly hours per user and kind, by the week of the slot's start (Monday 00:00 UTC)", () => {
    const mine = [booking({ start: NOW - 3 * HOUR, end: NOW - HOUR, status: "checked_in" }), booking({ start: NOW + 3 * HOUR, end: NOW + 3 * HOUR + 30 * MIN })];
    expect(check(request({ end: NOW + 2 * HOUR }), [], mine)).toMatchObject({ code: ErrorCode.BOOKING_QUOTA, params: { usedMs: 150 * MIN, weeklyMs: 3 * HOUR } });
    expect(check(request({ end: NOW + HOUR + 30 * MIN }), [], mine.map((b) => ({ ...b, status: "cancelled" as const })))).toBeNull();
    expect(check(request({ end: NOW + HOUR + 30 * MIN }), [], mine.map((b) => ({ ...b, kind: "scale" })))).toBeNull();
    const nextMonday = weekStartOf(NOW) + WEEK_MS;
    expect(check(request({ start: nextMonday, end: nextMonday + 30 * MIN }), [], mine)).toBeNull();
    expect(check(request({ end: NOW + HOUR + 30 * MIN }), [], mine, { ...RULES, weeklyMsPerUser: 0 })).toBeNull();
  });

  it("refuses new bookings after too many recent no-shows", () => {
    const missed = [booking({ start: NOW - 48 * HOUR, end: NOW - 47 * HOUR, status: "no_show" }), booking({ start: NOW - 24 * HOUR, end: NOW - 23 * HOUR, status: "no_show" })];
    expect(check(request(), [], missed)).toMatchObject({ code: ErrorCode.BOOKING_NO_SHOWS, params: { noShows: 2 } });
    expect(check(request(), [], missed.slice(1))).toBeNull();
    expect(check(request(), [], missed, { ...RULES, noShowLookbackMs: 30 * HOUR })).toBeNull();
    expect(check(request(), [], missed, { ...RULES, maxNoShows: 0 })).toBeNull();
  });

  it("cancels only a booking whose slot has not started", () => {
    expect(cancelProblem(booking(), NOW)).toBeNull();
    expect(cancelProblem(booking({ start: NOW }), NOW)).toMatchObject({ code: ErrorCode.BOOKING_CLOSED, params: { status: "started" } });
    expect(cancelProblem(booking({ status: "cancelled" }), NOW)).toMatchObject({ params: { status: "cancelled" } });
  });

  it("takes weeks from Monday 00:00 UTC", () => {
    expect(new Date(weekStartOf(NOW)).toISOString()).toBe("2026-12-07T00:00:00.000Z");
    expect(weekStartOf(Date.UTC(2026, 11, 7))).toBe(Date.UTC(2026, 11, 7));
    expect(weekStartOf(Date.UTC(2026, 11, 6, 23, 59))).toBe(Date.UTC(2026, 10, 30));
  });

  it("merges the rules: defaults, then \"*\", then the kind's own", () => {
    const table = { "*": { maxSlotMs: HOUR, weeklyMsPerUser: 5 * HOUR }, spectrometer: { maxSlotMs: 30 * MIN } };
    expect(rulesForKind(table, "spectrometer")).toMatchObject({ maxSlotMs: 30 * MIN, weeklyMsPerUser: 5 * HOUR, checkInWindowMs: DEFAULT_BOOKING_RULES.checkInWindowMs });
    expect(rulesForKind(table, "scale").maxSlotMs).toBe(HOUR);
    expect(rulesForKind({}, "scale")).toEqual(DEFAULT_BOOKING_RULES);
  });
});

describe("booking rules: properties", () => {
  const USERS = ["alice", "bob", "carol"];
  const DEVICES = ["spectro-1", "spectro-2"];
  const slotRequest = fc.record({
    user: fc.constantFrom(...USERS),
    device: fc.constantFrom(...DEVICES),
    startMin: fc.integer({ min: -60, max: 8 * 24 * 60 }),
    lengthMin: fc.integer({ min: 0, max: 200 }),
    cancel: fc.boolean(),
    advanceMin: fc.integer({ min: 0, max: 600 }),
  });

  it("whatever is requested, accepted slots of a device never overlap and weekly hours hold", () => {
    fc.assert(fc.property(fc.array(slotRequest, { maxLength: 40 }), (requests) => {
      let now = NOW;
      const stored: Booking[] = [];
      for (const each of requests) {
        now += each.advanceMin * MIN;
        const req = request({ userId: each.user, deviceId: each.device, start: NOW + each.startMin * MIN, end: NOW + (each.startMin + each.lengthMin) * MIN });
        const refused = checkNewBooking(req, { now, rules: RULES, deviceBookings: stored, userBookings: stored });
        if (!refused) stored.push(booking({ ...req, userName: req.userId, createdAt: now, updatedAt: now }));
        // Cancel someone's future booking now and then: the slot frees, the hours come back.
        const cancellable = stored.find((b) => b.userId === each.user && !cancelProblem(b, now));
        if (each.cancel && cancellable) cancellable.status = "cancelled";
      }
      const live = stored.filter((b) => b.status === "booked");
      for (const a of live) {
        expect(conflictOf({ ...a, start: a.start, end: a.end }, live.filter((b) => b !== a))).toBeUndefined();
        for (const b of live) if (a !== b && a.deviceId === b.deviceId) expect(overlaps(a, b)).toBe(false);
      }
      for (const user of USERS) {
        for (const week of new Set(stored.map((b) => weekStartOf(b.start)))) {
          expect(bookedInWeek(user, "spectrometer", week, stored)).toBeLessThanOrEqual(RULES.weeklyMsPerUser);
        }
      }
      for (const b of stored) {
        expect(b.end - b.start).toBeLessThanOrEqual(RULES.maxSlotMs);
        expect(b.end - b.start).toBeGreaterThanOrEqual(RULES.minSlotMs);
      }
    }), { seed: 24_3, numRuns: 300 });
  });

  it("a slot that does not overlap any live booking of its device is never refused as a conflict", () => {
    fc.assert(fc.property(fc.array(fc.record({ startMin: fc.integer({ min: 0, max: 1000 }), lengthMin: fc.integer({ min: 15, max: 120 }) }), { maxLength: 10 }), fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 15, max: 120 }), (existing, startMin, lengthMin) => {
      const device = existing.map((slot) => booking({ userId: "bob", start: NOW + slot.startMin * MIN, end: NOW + (slot.startMin + slot.lengthMin) * MIN }));
      const req = request({ start: NOW + startMin * MIN, end: NOW + (startMin + lengthMin) * MIN });
      const refused = check(req, device, [], { ...RULES, weeklyMsPerUser: 0 });
      const overlapping = device.some((b) => overlaps(b, req));
      expect(refused?.code === ErrorCode.BOOKING_CONFLICT).toBe(overlapping);
    }), { seed: 24_3, numRuns: 300 });
  });
});

describe("booking rules: what one user may hold", () => {
  it("refuses a booking past the live bookings one user may hold of a kind", () => {
    const held = Array.from({ length: 3 }, (_, i) => booking({ deviceId: `d-${i}`, start: NOW + (i + 3) * HOUR, end: NOW + (i + 3) * HOUR + 15 * MIN }));
    const rules = { ...RULES, maxUpcomingPerUser: 3, weeklyMsPerUser: 0 };
    expect(check(request(), [], held, rules)).toMatchObject({ code: ErrorCode.BOOKING_LIMIT, params: { limit: 3 } });
    expect(check(request(), [], held.map((b, i) => (i === 0 ? { ...b, status: "cancelled" as const } : b)), rules)).toBeNull();
    expect(check(request(), [], held.map((b, i) => (i === 0 ? { ...b, start: NOW - 2 * HOUR, end: NOW - HOUR, status: "checked_in" as const } : b)), rules)).toBeNull();
  });
});
