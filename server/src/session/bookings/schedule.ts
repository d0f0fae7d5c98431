/**
 * Booked slots in the session core (issue 24 part 3). The room reads the device's slots from
 * the store and hands them over (`bookingsLoaded`); from then on the core decides, on its
 * fake-able clock like every other rule:
 *
 * - `warnAt` (the kind's warning before `start`): `bookingStarting` — whoever holds the device
 *   is told they will be released at `start`, and the `booking.starting` webhook goes out.
 * - `start`: someone else holding the device is released with end reason `booking`; an offer
 *   to someone else is withdrawn (they stay first in line); a booker who already holds the
 *   device is checked in.
 * - From `start` the device is *reserved*: only the booker may claim it — their claim is the
 *   check-in, and it goes ahead of the line — and nobody is offered it. Before the check-in
 *   the reservation lasts the check-in window (`checkInUntil`); once checked in, the slot is
 *   the booker's to its `end`, whatever becomes of their session (released early, lost): a
 *   checked-in slot is never granted to anyone else.
 * - `checkInUntil` without a check-in: `bookingLapsed` — the slot goes to the line; a no-show
 *   counts against the booker when the device could have been claimed.
 * - `end` of a checked-in slot: the slot is dropped; the line is served as usual.
 *
 * The reservation is a function of the clock (`reservedSlot`), so a claim that arrives before
 * the deadline timer's tick is already gated; the deadlines only carry out what follows.
 */
import { EndReason, ErrorCode, QueueExitReason } from "@baton/protocol";
import { reduceSession } from "../core.ts";
import { grantBlocker } from "../grant.ts";
import { withdrawOffer } from "../handoff.ts";
import { ok, refuse } from "../line.ts";
import { left } from "../queue.ts";
import { rejection } from "../rejection.ts";
import { endSession } from "../runs.ts";
import type { BookedSlot, Command, CoreContext, CoreState, Effect, Outcome } from "../types.ts";
import { bookingDeadlines, reservedSlot, reservedUntil, slotsOf, type BookingDeadlineKind } from "./slots.ts";

export { bookingDeadlines, reservedSlot, reservedUntil, slotsOf, type BookingDeadlineKind };

/** At most this many slots are kept in the core (the room loads a short horizon). */
export const MAX_SLOTS_IN_CORE = 16;

function withSlots(state: CoreState, slots: BookedSlot[]): CoreState {
  return { ...state, bookings: slots };
}

function replaceSlot(state: CoreState, slot: BookedSlot): CoreState {
  return withSlots(state, slotsOf(state).map((each) => (each.bookingId === slot.bookingId ? slot : each)));
}

function dropSlot(state: CoreState, bookingId: string): CoreState {
  return withSlots(state, slotsOf(state).filter((each) => each.bookingId !== bookingId));
}

/**
 * The room's fresh read of the device's slots. What the core already did with a slot
 * (warned, checked in) is kept, also while the store has not recorded it yet (the slot is
 * still listed, as booked). A slot gone from the list is dropped: cancelled before it
 * started, or — checked in — finished early by its booker (its end moved to then), so the
 * line is served. Ended slots are dropped. Slots that overlap an earlier one are ignored
 * (the store never holds such).
 */
export function loadSlots(state: CoreState, incoming: readonly BookedSlot[], now: number): Outcome {
  const known = new Map(slotsOf(state).map((slot) => [slot.bookingId, slot]));
  const merged = new Map<string, BookedSlot>();
  for (const slot of incoming) {
    const before = known.get(slot.bookingId);
    merged.set(slot.bookingId, { ...slot, user: { ...slot.user }, checkedIn: slot.checkedIn || Boolean(before?.checkedIn), warned: slot.warned || Boolean(before?.warned) });
  }
  const ordered = [...merged.values()].filter((slot) => slot.end > now && slot.end > slot.start).sort((a, b) => a.start - b.start);
  const kept: BookedSlot[] = [];
  for (const slot of ordered) {
    if (kept.length === MAX_SLOTS_IN_CORE) break;
    if (kept.length === 0 || kept[kept.length - 1].end <= slot.start) kept.push(slot);
  }
  const unchanged = kept.length === slotsOf(state).length && kept.every((slot, i) => JSON.stringify(slot) === JSON.stringify(slotsOf(state)[i]));
  return ok(unchanged ? state : withSlots(state, kept));
}

/** Fires every booking deadline that has passed, earliest first (session/reduce.ts calls this on `tick`). */
export function fireBookingDeadlines(state: CoreState, context: CoreContext): Outcome {
  let current = state;
  const effects: Effect[] = [];
  // Each step removes the deadline it fires; the bound is a guard.
  for (let guard = 0; guard < 4 * MAX_SLOTS_IN_CORE + 8; guard++) {
    const due = bookingDeadlines(current).filter((deadline) => deadline.at <= context.now).sort((a, b) => a.at - b.at)[0];
    if (!due) break;
    const slot = slotsOf(current).find((each) => deadlineOf(each, due.kind, current) === due.at)!;
    const step = fire(current, slot, due.kind, context);
    current = step.state;
    effects.push(...step.effects);
  }
  return ok(current, effects);
}

function deadlineOf(slot: BookedSlot, kind: BookingDeadlineKind, state: CoreState): number | null {
  switch (kind) {
    case "booking_warn": return slot.warned ? null : slot.warnAt;
    case "booking_start": return !slot.checkedIn && (state.session || state.offer) ? slot.start : null;
    case "booking_lapse": return slot.checkedIn ? null : slot.checkInUntil;
    case "booking_end": return slot.checkedIn ? slot.end : null;
  }
}

function fire(state: CoreState, slot: BookedSlot, kind: BookingDeadlineKind, context: CoreContext): Outcome {
  const booker = slot.user;
  switch (kind) {
    case "booking_warn": {
      const holder = state.session && state.session.holder.userId !== booker.userId ? state.session.holder : null;
      const next = replaceSlot(state, { ...slot, warned: true });
      return ok(next, [{ type: "bookingStarting", bookingId: slot.bookingId, booker, start: slot.start, end: slot.end, checkInUntil: slot.checkInUntil, holder }]);
    }
    case "booking_start": {
      if (state.session?.holder.userId === booker.userId) return checkIn(state, slot);
      if (state.session) return endSession(state, EndReason.BOOKING, context);
      if (state.offer) return withdrawOffer(state, `Device ${state.deviceId} is booked from ${new Date(slot.start).toISOString()} to ${new Date(slot.end).toISOString()}; you stay first in line.`);
      return ok(state);
    }
    case "booking_lapse": {
      const counted = state.device.online && !state.disabled && grantBlocker(state) === null;
      return ok(dropSlot(state, slot.bookingId), [{ type: "bookingLapsed", bookingId: slot.bookingId, booker, start: slot.start, end: slot.end, counted }]);
    }
    case "booking_end":
      return ok(dropSlot(state, slot.bookingId));
  }
}

function checkIn(state: CoreState, slot: BookedSlot): Outcome {
  return ok(replaceSlot(state, { ...slot, checkedIn: true }), [{ type: "bookingCheckedIn", bookingId: slot.bookingId, booker: slot.user, start: slot.start, end: slot.end }]);
}

type Claim = Extract<Command, { type: "claim" }>;

/**
 * What a `claim` meets while a slot reserves the device (null: no reservation, let the
 * queue's and the session's rules decide). The booker's claim is the check-in: it takes the
 * device ahead of the line (an open offer is withdrawn, the booker's own place in line is
 * given up), within the grant rules (in service, ready, online). Anyone else is refused.
 */
export function bookingClaimGate(state: CoreState, command: Claim, context: CoreContext): Outcome | null {
  const slot = reservedSlot(state, context.now);
  if (!slot) return null;
  if (command.user.userId !== slot.user.userId) {
    return refuse(state, rejection(ErrorCode.DEVICE_BOOKED, { deviceId: state.deviceId, until: reservedUntil(slot), checkIn: !slot.checkedIn }));
  }
  if (state.session) return null; // ALREADY_HOLDER, or DEVICE_BUSY until the start's tick releases the holder
  const effects: Effect[] = [];
  let next = state;
  if (next.offer) {
    const withdrawn = withdrawOffer(next, `Device ${state.deviceId} is booked now; you stay first in line.`);
    next = withdrawn.state;
    effects.push(...withdrawn.effects);
  }
  const blocked = grantBlocker(next, { admin: command.admin });
  if (blocked) return refuse(state, blocked);
  const claimed = reduceSession(next, command, context);
  if (claimed.rejection) return refuse(state, claimed.rejection);
  next = claimed.state;
  const place = next.queue.findIndex((entry) => entry.user.userId === command.user.userId);
  if (place >= 0) {
    next = { ...next, queue: next.queue.filter((_, i) => i !== place) };
    effects.push(left(command.user, QueueExitReason.ACCEPTED, `You checked in to your booking of device ${state.deviceId}; it is yours.`));
  }
  effects.push(...claimed.effects);
  if (slot.checkedIn) return ok(next, effects);
  const checkedIn = checkIn(next, slot);
  return ok(checkedIn.state, [...effects, ...checkedIn.effects]);
}

/** An `accept` of an offer by anyone but the booker while a slot reserves the device (an offer made before the slot began). */
export function bookingAcceptGate(state: CoreState, userId: string, now: number): Outcome | null {
  const slot = reservedSlot(state, now);
  if (!slot || slot.user.userId === userId) return null;
  return refuse(state, rejection(ErrorCode.DEVICE_BOOKED, { deviceId: state.deviceId, until: reservedUntil(slot), checkIn: !slot.checkedIn }));
}
