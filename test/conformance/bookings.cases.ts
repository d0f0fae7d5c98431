/**
 * The bookings port's conformance suite (ports/bookings.ts), run against every store adapter
 * by the adapter's test file beside the store's own suite: creation through the rules,
 * atomic conflicts (of concurrent requests for one slot exactly one wins), listings by device
 * and user, status transitions that only one of two concurrent callers wins, retention.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ErrorCode } from "@baton/protocol";
import type { BatonStore, Booking } from "@baton/server/ports/store.ts";
import { checkNewBooking, DEFAULT_BOOKING_RULES, WEEK_MS, weekStartOf } from "@baton/server/session/bookings/index.ts";
import type { StoreFactory } from "./store.cases.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;
const NOW = Date.UTC(2026, 11, 10, 14, 0);
let counter = 0;

function booking(overrides: Partial<Booking> = {}): Booking {
  return { bookingId: `bk-${++counter}-${Math.random().toString(36).slice(2, 8)}`, deviceId: "spectro-1", kind: "spectrometer", userId: "alice", userName: "Alice", start: NOW + HOUR, end: NOW + 2 * HOUR, status: "booked", createdAt: NOW, updatedAt: NOW, ...overrides };
}

/** Creates through the real rules, as the HTTP route does. */
function createWithRules(store: BatonStore, wanted: Booking, rules = { ...DEFAULT_BOOKING_RULES, weeklyMsPerUser: 3 * HOUR }) {
  const week = weekStartOf(wanted.start);
  return store.bookings.create({
    booking: wanted,
    userFrom: Math.min(week, NOW - rules.noShowLookbackMs),
    userTo: week + WEEK_MS,
    admit: (facts) => checkNewBooking(wanted, { now: NOW, rules, ...facts }),
  });
}

export function runBookingConformance(name: string, factory: StoreFactory) {
  describe(`bookings conformance: ${name}`, () => {
    let store: BatonStore;
    beforeEach(async () => {
      store = await factory.open();
    });
    afterEach(async () => {
      if (factory.dispose) await factory.dispose(store);
      else await store.close();
    });

    it("stores a booking the rules admit and finds it, fields intact", async () => {
      const wanted = booking();
      expect(await createWithRules(store, wanted)).toEqual({ created: wanted });
      expect(await store.bookings.find(wanted.bookingId)).toEqual(wanted);
      expect(await store.bookings.find("bk-none")).toBeUndefined();
    });

    it("stores nothing when the rules refuse, and answers their refusal", async () => {
      const first = booking();
      await createWithRules(store, first);
      const overlapping = booking({ userId: "bob", userName: "Bob", start: NOW + 90 * MIN, end: NOW + 150 * MIN });
      const answer = await createWithRules(store, overlapping);
      expect(answer).toMatchObject({ refused: { code: ErrorCode.BOOKING_CONFLICT, params: { start: first.start, end: first.end } } });
      expect(await store.bookings.find(overlapping.bookingId)).toBeUndefined();
    });

    it("gives the rules the device's live overlapping bookings and the user's bookings of the kind in range", async () => {
      const live = booking({ userId: "bob", start: NOW + HOUR, end: NOW + 2 * HOUR });
      const cancelled = booking({ userId: "bob", start: NOW + 2 * HOUR, end: NOW + 3 * HOUR, status: "cancelled" });
      const elsewhere = booking({ deviceId: "spectro-2", start: NOW + HOUR, end: NOW + 2 * HOUR });
      const otherKind = booking({ deviceId: "scale-1", kind: "scale", start: NOW + 5 * HOUR, end: NOW + 6 * HOUR });
      const missed = booking({ deviceId: "spectro-2", start: NOW - 48 * HOUR, end: NOW - 47 * HOUR, status: "no_show" });
      for (const each of [live, cancelled, elsewhere, otherKind, missed]) await store.bookings.create({ booking: each, userFrom: 0, userTo: 0, admit: () => null });
      let seen: { deviceBookings: Booking[]; userBookings: Booking[] } | undefined;
      const wanted = booking({ start: NOW + 90 * MIN, end: NOW + 150 * MIN });
      await store.bookings.create({ booking: wanted, userFrom: NOW - 72 * HOUR, userTo: NOW + 24 * HOUR, admit: (facts) => { seen = facts; return null; } });
      expect(seen!.deviceBookings.map((b) => b.bookingId)).toEqual([live.bookingId]);
      expect(seen!.userBookings.map((b) => b.bookingId).sort()).toEqual([elsewhere.bookingId, missed.bookingId].sort());
    });

    it("of concurrent requests for one slot, exactly one is stored", async () => {
      const contenders = ["alice", "bob", "carol", "dave", "erin", "frank"].map((userId) => booking({ userId, userName: userId, start: NOW + HOUR, end: NOW + HOUR + 30 * MIN }));
      const answers = await Promise.all(contenders.map((each) => createWithRules(store, each)));
      expect(answers.filter((answer) => "created" in answer)).toHaveLength(1);
      expect(answers.filter((answer) => "refused" in answer && answer.refused.code === ErrorCode.BOOKING_CONFLICT)).toHaveLength(5);
      expect(await store.bookings.listForDevice("spectro-1", { from: 0, to: NOW + 10 * HOUR })).toHaveLength(1);
    });

    it("of concurrent requests by one user past the weekly hours, only as many as fit are stored", async () => {
      const slots = [0, 1, 2, 3, 4].map((i) => booking({ deviceId: `spectro-${i}`, start: NOW + HOUR, end: NOW + 2 * HOUR }));
      const answers = await Promise.all(slots.map((each) => createWithRules(store, each)));
      expect(answers.filter((answer) => "created" in answer)).toHaveLength(3);
      expect(answers.filter((answer) => "refused" in answer && answer.refused.code === ErrorCode.BOOKING_QUOTA)).toHaveLength(2);
    });

    it("lists a device's and a user's bookings overlapping a range, earliest first, filtered by status", async () => {
      const later = booking({ start: NOW + 5 * HOUR, end: NOW + 6 * HOUR });
      const earlier = booking({ start: NOW + HOUR, end: NOW + 2 * HOUR });
      const cancelled = booking({ start: NOW + 3 * HOUR, end: NOW + 4 * HOUR, status: "cancelled" });
      const bobs = booking({ deviceId: "spectro-2", userId: "bob", start: NOW + HOUR, end: NOW + 2 * HOUR });
      for (const each of [later, earlier, cancelled, bobs]) await store.bookings.create({ booking: each, userFrom: 0, userTo: 0, admit: () => null });
      const ids = (list: Booking[]) => list.map((b) => b.bookingId);
      expect(ids(await store.bookings.listForDevice("spectro-1", { from: NOW, to: NOW + 24 * HOUR }))).toEqual([earlier.bookingId, cancelled.bookingId, later.bookingId]);
      expect(ids(await store.bookings.listForDevice("spectro-1", { from: NOW, to: NOW + 24 * HOUR, statuses: ["booked", "checked_in"] }))).toEqual([earlier.bookingId, later.bookingId]);
      // Half-open: a slot ending exactly at `from` is not in the range.
      expect(ids(await store.bookings.listForDevice("spectro-1", { from: NOW + 2 * HOUR, to: NOW + 5 * HOUR + 1 }))).toEqual([cancelled.bookingId, later.bookingId]);
      expect(ids(await store.bookings.listForUser("bob", { from: NOW, to: NOW + 24 * HOUR }))).toEqual([bobs.bookingId]);
      expect(await store.bookings.listForDevice("spectro-1", { from: NOW, to: NOW + 24 * HOUR, statuses: [] })).toEqual([]);
    });

    it("moves a booking between statuses only from the statuses named, and one of two concurrent moves wins", async () => {
      const wanted = booking();
      await createWithRules(store, wanted);
      expect(await store.bookings.transition(wanted.bookingId, ["checked_in"], "no_show", NOW + 1)).toBeUndefined();
      const moves = await Promise.all([
        store.bookings.transition(wanted.bookingId, ["booked"], "checked_in", NOW + 2),
        store.bookings.transition(wanted.bookingId, ["booked"], "no_show", NOW + 3),
      ]);
      expect(moves.filter(Boolean)).toHaveLength(1);
      const stored = await store.bookings.find(wanted.bookingId);
      expect(stored?.status).toBe(moves.find(Boolean)!.status);
      expect(await store.bookings.transition("bk-none", ["booked"], "cancelled", NOW)).toBeUndefined();
    });

    it("closes bookings still booked whose slot ended before a time as cancelled, and nothing else", async () => {
      const unattended = booking({ start: NOW - 5 * HOUR, end: NOW - 4 * HOUR });
      const used = booking({ start: NOW - 3 * HOUR, end: NOW - 2 * HOUR, status: "checked_in" });
      const upcoming = booking();
      for (const each of [unattended, used, upcoming]) await store.bookings.create({ booking: each, userFrom: 0, userTo: 0, admit: () => null });
      expect(await store.bookings.closeUnattended(NOW - HOUR, NOW)).toBe(1);
      expect(await store.bookings.find(unattended.bookingId)).toMatchObject({ status: "cancelled", updatedAt: NOW });
      expect((await store.bookings.find(used.bookingId))?.status).toBe("checked_in");
      expect((await store.bookings.find(upcoming.bookingId))?.status).toBe("booked");
      expect(await store.bookings.closeUnattended(NOW - HOUR, NOW)).toBe(0);
    });

    it("ends a checked-in booking early: its end moves to then; nothing else is ended", async () => {
      const inUse = booking({ start: NOW - HOUR, end: NOW + HOUR, status: "checked_in" });
      const notStarted = booking({ deviceId: "spectro-2" });
      for (const each of [inUse, notStarted]) await store.bookings.create({ booking: each, userFrom: 0, userTo: 0, admit: () => null });
      expect(await store.bookings.finishEarly(inUse.bookingId, NOW)).toMatchObject({ end: NOW, status: "checked_in", updatedAt: NOW });
      expect(await store.bookings.finishEarly(inUse.bookingId, NOW + 1)).toBeUndefined();
      expect(await store.bookings.finishEarly(notStarted.bookingId, NOW)).toBeUndefined();
      expect((await store.bookings.find(notStarted.bookingId))?.end).toBe(notStarted.end);
    });

    it("retention deletes bookings that ended before the cutoff", async () => {
      const old = booking({ start: NOW - 100 * HOUR, end: NOW - 99 * HOUR, status: "no_show" });
      const kept = booking();
      for (const each of [old, kept]) await store.bookings.create({ booking: each, userFrom: 0, userTo: 0, admit: () => null });
      expect(await store.purgeOlderThan(NOW - 50 * HOUR)).toBeGreaterThanOrEqual(1);
      expect(await store.bookings.find(old.bookingId)).toBeUndefined();
      expect(await store.bookings.find(kept.bookingId)).toEqual(kept);
    });
  });
}
