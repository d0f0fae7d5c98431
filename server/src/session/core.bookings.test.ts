/**
 * Booked slots in the session core (session/bookings/schedule.ts) on a fake clock: the
 * holder warned before the slot and released at its start (end reason `booking`), the
 * booker's claim as check-in ahead of the line, others refused while the slot reserves the
 * device, a no-show after the window freeing the slot to the line, a checked-in slot kept for
 * the booker to its end; then properties over random sequences: never two holders, a
 * checked-in slot never granted to anyone else, nobody but the booker granted during the
 * window, and a lapse only for a booker who never checked in.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EndReason, ErrorCode } from "@baton/protocol";
import { nextDeadline } from "./deadlines.ts";
import { ALICE, BOB, CAROL, SessionHarness, effectsOf, onlineHarness, T0 } from "./testing.ts";
import type { BookedSlot, UserRef } from "./types.ts";

const MIN = 60_000;

function slot(user: UserRef, startIn: number, lengthMs = 30 * MIN, options: { checkInMs?: number; warnMs?: number; id?: string } = {}): BookedSlot {
  const start = T0 + startIn;
  const end = start + lengthMs;
  return { bookingId: options.id ?? `bk-${user.userId}-${startIn}`, user, start, end, checkInUntil: Math.min(end, start + (options.checkInMs ?? 10 * MIN)), warnAt: start - (options.warnMs ?? 5 * MIN), checkedIn: false, warned: false };
}

/** Moves the fake clock to `until`, ticking at every deadline on the way, as the room's one timer does. */
function runUntil(harness: SessionHarness, until: number) {
  for (let guard = 0; guard < 1_000; guard++) {
    const next = nextDeadline(harness.state, harness.timers);
    if (!next || next.at > until) break;
    harness.now = Math.max(harness.now, next.at);
    harness.tick();
  }
  harness.now = Math.max(harness.now, until);
}

const harness = () => onlineHarness({ timers: { ownerIdleTimeoutMs: 0, maxSessionMs: 0 } });

describe("bookings in the core", () => {
  it("warns the holder before the slot, releases them at its start with end reason booking, and the booker checks in ahead of the line", () => {
    const h = harness();
    h.claim(BOB);
    h.apply({ type: "enqueue", user: CAROL });
    const booked = slot(ALICE, 20 * MIN);
    h.apply({ type: "bookingsLoaded", slots: [booked] });

    runUntil(h, booked.warnAt);
    const [warning] = effectsOf(h.allEffects, "bookingStarting");
    expect(warning).toMatchObject({ bookingId: booked.bookingId, booker: ALICE, holder: BOB, start: booked.start });
    expect(h.state.session?.holder.userId).toBe(BOB.userId);

    runUntil(h, booked.start);
    const [ended] = effectsOf(h.allEffects, "sessionEnded");
    expect(ended).toMatchObject({ holder: BOB, reason: EndReason.BOOKING });
    expect(h.state.session).toBeNull();
    expect(h.state.offer).toBeNull(); // Carol waits: the device is kept for Alice
    expect(h.state.queue.map((entry) => entry.user.userId)).toEqual([CAROL.userId]);

    // Carol cannot take it, nor can Bob; Alice's claim is her check-in.
    expect(h.claim(CAROL).rejection).toMatchObject({ code: ErrorCode.DEVICE_BOOKED, params: { checkIn: true, until: booked.checkInUntil } });
    h.advance(3 * MIN);
    const checkIn = h.claim(ALICE);
    expect(checkIn.rejection).toBeUndefined();
    expect(h.state.session?.holder.userId).toBe(ALICE.userId);
    expect(effectsOf(checkIn, "bookingCheckedIn")).toMatchObject([{ bookingId: booked.bookingId, booker: ALICE }]);
    expect(h.state.bookings?.[0].checkedIn).toBe(true);
  });

  it("a no-show after the window frees the slot to the line, counted against the booker", () => {
    const h = harness();
    h.apply({ type: "enqueue", user: CAROL }); // free device: Carol is offered it at once
    h.apply({ type: "declineOffer", user: CAROL });
    h.apply({ type: "enqueue", user: CAROL });
    h.apply({ type: "declineOffer", user: CAROL });
    const booked = slot(ALICE, 10 * MIN);
    h.apply({ type: "bookingsLoaded", slots: [booked] });
    h.claim(BOB);
    h.apply({ type: "enqueue", user: CAROL });
    runUntil(h, booked.start);
    expect(h.state.session).toBeNull();
    expect(h.state.offer).toBeNull();
    runUntil(h, booked.checkInUntil);
    expect(effectsOf(h.allEffects, "bookingLapsed")).toMatchObject([{ bookingId: booked.bookingId, booker: ALICE, counted: true }]);
    expect(h.state.bookings).toEqual([]);
    // The line is served: Carol is offered the device.
    expect(h.state.offer?.entry.user.userId).toBe(CAROL.userId);
    expect(h.claim(ALICE).rejection).toMatchObject({ code: ErrorCode.HANDOFF_PENDING });
  });

  it("a miss is not counted when the device could not have been claimed (offline)", () => {
    const h = harness();
    const booked = slot(ALICE, 10 * MIN);
    h.apply({ type: "bookingsLoaded", slots: [booked] });
    h.apply({ type: "deviceDisconnected" });
    runUntil(h, booked.checkInUntil);
    expect(effectsOf(h.allEffects, "bookingLapsed")).toMatchObject([{ counted: false }]);
  });

  it("a booker who holds the device at the start is checked in; the slot stays theirs to its end, even after a release", () => {
    const h = harness();
    const booked = slot(ALICE, 10 * MIN);
    h.apply({ type: "bookingsLoaded", slots: [booked] });
    h.claim(ALICE);
    runUntil(h, booked.start);
    expect(effectsOf(h.allEffects, "bookingCheckedIn")).toHaveLength(1);
    expect(effectsOf(h.allEffects, "sessionEnded")).toHaveLength(0);
    h.apply({ type: "enqueue", user: BOB });
    h.apply({ type: "release", user: ALICE });
    expect(h.state.offer).toBeNull();
    runUntil(h, booked.checkInUntil + MIN); // past the window: the checked-in slot holds to its end
    expect(h.claim(BOB).rejection).toMatchObject({ code: ErrorCode.DEVICE_BOOKED, params: { checkIn: false, until: booked.end } });
    expect(h.claim(ALICE).rejection).toBeUndefined();
    h.apply({ type: "release", user: ALICE });
    runUntil(h, booked.end);
    expect(h.state.bookings).toEqual([]);
    expect(h.state.offer?.entry.user.userId).toBe(BOB.userId);
    expect(effectsOf(h.allEffects, "bookingLapsed")).toHaveLength(0);
  });

  it("withdraws an offer open at the slot's start; the booker waiting in line checks in and leaves the line", () => {
    const h = harness();
    h.claim(BOB);
    h.apply({ type: "enqueue", user: CAROL });
    h.apply({ type: "enqueue", user: ALICE });
    const booked = slot(ALICE, 10 * MIN);
    h.apply({ type: "bookingsLoaded", slots: [booked] });
    h.advance(10 * MIN - 20_000);
    h.apply({ type: "release", user: BOB }); // Carol is offered the device for the hand-off window (30 s)
    expect(h.state.offer?.entry.user.userId).toBe(CAROL.userId);
    runUntil(h, booked.start);
    expect(h.state.offer).toBeNull();
    expect(effectsOf(h.allEffects, "handoffWithdrawn")).toMatchObject([{ user: CAROL }]);
    expect(h.apply({ type: "acceptOffer", user: CAROL }).rejection).toBeDefined();
    const checkIn = h.claim(ALICE);
    expect(checkIn.rejection).toBeUndefined();
    expect(effectsOf(checkIn, "queueLeft")).toMatchObject([{ user: ALICE, reason: "accepted" }]);
    expect(h.state.queue.map((entry) => entry.user.userId)).toEqual([CAROL.userId]);
  });

  it("a checked-in slot finished early (gone from the store's list) frees the device to the line", () => {
    const h = harness();
    const booked = slot(ALICE, 0);
    h.apply({ type: "bookingsLoaded", slots: [booked] });
    h.claim(ALICE);
    expect(h.state.bookings?.[0].checkedIn).toBe(true);
    // The store has not recorded the check-in yet: the slot is still listed as booked, and stays checked in.
    h.apply({ type: "bookingsLoaded", slots: [booked] });
    expect(h.state.bookings?.[0].checkedIn).toBe(true);
    h.apply({ type: "enqueue", user: BOB });
    h.apply({ type: "release", user: ALICE });
    expect(h.state.offer).toBeNull();
    h.advance(MIN);
    h.apply({ type: "bookingsLoaded", slots: [] }); // finished early: its end moved to now
    expect(h.state.bookings).toEqual([]);
    expect(h.state.offer?.entry.user.userId).toBe(BOB.userId);
  });

  it("keeps what the core did when the room reloads the slots, and drops cancelled ones", () => {
    const h = harness();
    const first = slot(ALICE, 10 * MIN);
    const second = slot(BOB, 60 * MIN);
    h.apply({ type: "bookingsLoaded", slots: [first, second] });
    runUntil(h, first.warnAt);
    h.apply({ type: "bookingsLoaded", slots: [first, second] });
    expect(h.state.bookings?.map((each) => each.warned)).toEqual([true, false]);
    h.apply({ type: "bookingsLoaded", slots: [second] });
    expect(h.state.bookings?.map((each) => each.bookingId)).toEqual([second.bookingId]);
    // Overlapping slots (never in the store) keep the earlier one.
    h.apply({ type: "bookingsLoaded", slots: [second, { ...slot(CAROL, 70 * MIN), bookingId: "bk-overlap" }] });
    expect(h.state.bookings?.map((each) => each.bookingId)).toEqual([second.bookingId]);
  });
});

describe("bookings in the core: properties", () => {
  const USERS = [ALICE, BOB, CAROL];
  type Action =
    | { kind: "claim" | "release" | "enqueue" | "leaveQueue" | "accept" | "decline"; user: number }
    | { kind: "offline" | "online" }
    | { kind: "wait"; ms: number };
  const user = fc.integer({ min: 0, max: USERS.length - 1 });
  const action: fc.Arbitrary<Action> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constantFrom("claim" as const, "release" as const, "enqueue" as const, "leaveQueue" as const, "accept" as const, "decline" as const), user }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom("offline" as const, "online" as const) }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant("wait" as const), ms: fc.integer({ min: 0, max: 8 * MIN }) }) },
  );
  const slotSpec = fc.record({ user, startIn: fc.integer({ min: 0, max: 60 * MIN }), length: fc.integer({ min: 5 * MIN, max: 40 * MIN }) });

  it("never two holders; nobody but the booker is granted the device while a slot reserves it; a lapse only without a check-in", () => {
    fc.assert(fc.property(fc.array(slotSpec, { maxLength: 4 }), fc.array(action, { maxLength: 60 }), (specs, actions) => {
      const h = harness();
      // Non-overlapping slots, as the store guarantees.
      const slots: BookedSlot[] = [];
      for (const spec of [...specs].sort((a, b) => a.startIn - b.startIn)) {
        const candidate = slot(USERS[spec.user], spec.startIn, spec.length, { id: `bk-${slots.length}`, checkInMs: 5 * MIN, warnMs: 2 * MIN });
        if (slots.every((other) => other.end <= candidate.start || candidate.end <= other.start)) slots.push(candidate);
      }
      h.apply({ type: "bookingsLoaded", slots });
      const checkedIn = new Set<string>();
      const step = (act: () => void) => {
        const before = h.allEffects.length;
        const holderBefore = h.state.session?.holder.userId ?? null;
        act();
        const produced = h.allEffects.slice(before);
        let holder = holderBefore;
        for (const effect of produced) {
          if (effect.type === "sessionEnded") holder = null;
          if (effect.type === "sessionStarted") {
            expect(holder, "a session started while another was open").toBeNull();
            holder = effect.holder.userId;
            for (const booked of slots) {
              const reservedTill = checkedIn.has(booked.bookingId) ? booked.end : booked.checkInUntil;
              if (booked.start <= h.now && h.now < reservedTill) expect(effect.holder.userId, `granted during ${booked.bookingId}`).toBe(booked.user.userId);
            }
          }
          if (effect.type === "bookingCheckedIn") checkedIn.add(effect.bookingId);
          if (effect.type === "bookingLapsed") expect(checkedIn.has(effect.bookingId)).toBe(false);
        }
        expect(h.state.session?.holder.userId ?? null).toBe(holder);
      };
      for (const a of actions) {
        const who = "user" in a ? USERS[a.user] : ALICE;
        switch (a.kind) {
          case "claim": step(() => h.claim(who)); break;
          case "release": step(() => h.apply({ type: "release", user: who })); break;
          case "enqueue": step(() => h.apply({ type: "enqueue", user: who })); break;
          case "leaveQueue": step(() => h.apply({ type: "leaveQueue", user: who })); break;
          case "accept": step(() => h.apply({ type: "acceptOffer", user: who })); break;
          case "decline": step(() => h.apply({ type: "declineOffer", user: who })); break;
          case "offline": step(() => h.apply({ type: "deviceDisconnected" })); break;
          case "online": step(() => { h.apply({ type: "deviceConnected" }); h.hello(); }); break;
          case "wait": step(() => runUntil(h, h.now + a.ms)); break;
        }
      }
      step(() => runUntil(h, T0 + 4 * 3_600_000));
      // Every slot was either checked in or lapsed, and the core let go of all of them.
      const lapsed = new Set(effectsOf(h.allEffects, "bookingLapsed").map((effect) => effect.bookingId));
      for (const booked of slots) expect(checkedIn.has(booked.bookingId) !== lapsed.has(booked.bookingId)).toBe(true);
      expect(h.state.bookings ?? []).toEqual([]);
    }), { seed: 243, numRuns: 300 });
  });
});
