/**
 * The whole core of one device, as the room calls it:
 *
 *     reduce(state, command, context) → { state, effects, rejection? }
 *
 * It composes the session rules (core.ts: claims, runs, device reports, session timers) with
 * the rules issue 13 added, each in its own file: the queue (queue.ts), the hand-off window
 * (handoff.ts), who may be granted the device (grant.ts), the physical hand-over
 * (readiness.ts), drain/quarantine/health (availability.ts), and the lease's extension and
 * expiry warning (lease.ts).
 *
 * After every accepted command the state is *settled*: bookkeeping that follows from what
 * just happened (a run that ended may leave the device owing a `ready`; a failed run counts
 * toward quarantine; an unavailable device has nobody waiting), then the next offer if the
 * device is free. A refused command changes nothing, so the state stays settled.
 */
import { DeviceAvailability } from "@baton/protocol";
import { reduceSession } from "./core.ts";
import { availabilityCommand, registryState, runFinishedHealth } from "./availability.ts";
import { waitDeadlines } from "./deadlines.ts";
import { acceptOffer, claimGate, declineOffer, expireOffer, offerIfFree, withdrawOffer } from "./handoff.ts";
import { lineOf, ok } from "./line.ts";
import { dropLostEntries, enqueue, flushLine, leaveQueue, markConnection } from "./queue.ts";
import { fireExpiryWarning, leaseCommand } from "./lease.ts";
import { fireReadyTimeout, readyReceived, restartReadyClock, runEnded } from "./readiness.ts";
import { cancelStaleHandover, expireHandover, handoverCommand } from "./handover.ts";
import { bookingAcceptGate, bookingClaimGate, fireBookingDeadlines, loadSlots, reservedSlot } from "./bookings/schedule.ts";
import type { Command, CoreContext, CoreState, Effect, Outcome } from "./types.ts";

export function reduce(state: CoreState, command: Command, context: CoreContext): Outcome {
  // Not a rule: the owner's client confirms a result reached it; nothing to settle.
  if (command.type === "acknowledgeResult") return ok(state, [{ type: "resultAcknowledged", userId: command.user.userId, runId: command.runId }]);
  const outcome = route(state, command, context);
  if (outcome.rejection) return outcome;
  return settle(command, outcome, context);
}

function route(state: CoreState, command: Command, context: CoreContext): Outcome {
  switch (command.type) {
    case "enqueue": return enqueue(state, command, context);
    case "leaveQueue": return leaveQueue(state, command.user);
    // A booker's accept while their slot reserves the device is their check-in (bookings/schedule.ts).
    case "acceptOffer": return reservedSlot(state, context.now)?.user.userId === command.user.userId
      ? bookingClaimGate(state, { type: "claim", user: command.user }, context) ?? acceptOffer(state, command.user, context)
      : bookingAcceptGate(state, command.user.userId, context.now) ?? acceptOffer(state, command.user, context);
    case "declineOffer": return declineOffer(state, command.user);
    case "drain":
    case "quarantine":
    case "returnToService": return availabilityCommand(state, command, context);
    case "registryState": return registryState(state, command.disabled, context);
    case "claim": return bookingClaimGate(state, command, context) ?? claimGate(state, command, context) ?? reduceSession(state, command, context);
    case "bookingsLoaded": return loadSlots(state, command.slots, context.now);
    case "extend":
    case "capSession": return leaseCommand(state, command, context);
    case "offerHandover":
    case "withdrawHandover":
    case "acceptHandover":
    case "declineHandover": return handoverCommand(state, command, context);
    // The session's own deadlines first: an expiry already due ends the session, it is not warned about.
    // The booked slots' deadlines first (bookings/schedule.ts): a slot's start may release the holder the line was waiting for.
    case "tick": return then(then(then(then(reduceSession(state, command, context), (next) => fireBookingDeadlines(next, context)), (next) => fireWaitDeadlines(next, context)), (next) => fireExpiryWarning(next, context)), (next) => expireHandover(next, context));
    default: return reduceSession(state, command, context);
  }
}

/** Applies `step` to an outcome's state, keeping the effects in order. */
function then(outcome: Outcome, step: (state: CoreState) => Outcome): Outcome {
  const next = step(outcome.state);
  return { ...next, effects: [...outcome.effects, ...next.effects] };
}

/** The line's and the hand-over's deadlines that have passed (the session's own fired in core.ts). */
function fireWaitDeadlines(state: CoreState, context: CoreContext): Outcome {
  let outcome = ok(state);
  for (const deadline of waitDeadlines(state, context.timers).sort((a, b) => a.at - b.at)) {
    if (deadline.at > context.now) continue;
    if (deadline.kind === "offer_expired") outcome = then(outcome, (next) => expireOffer(next, context));
    else if (deadline.kind === "queue_lost") outcome = then(outcome, (next) => dropLostEntries(next, context));
    else if (deadline.kind === "ready_timeout") outcome = then(outcome, (next) => fireReadyTimeout(next, context));
  }
  return outcome;
}

function settle(command: Command, outcome: Outcome, context: CoreContext): Outcome {
  const now = context.now;
  let result = outcome;
  // Waiting users' connections, as the room reports them for every user.
  if (command.type === "ownerDisconnected" || command.type === "ownerReconnected") {
    const marked = markConnection(result.state, command.userId, command.type === "ownerDisconnected" ? now : 0);
    result = { ...result, state: marked };
  }
  // What the session's effects imply for readiness, health and the open offer.
  for (const effect of outcome.effects) {
    result = then(result, (state) => consequencesOf(effect, state, context));
  }
  if (command.type === "deviceReady") result = then(result, (state) => readyReceived(state, now));
  if (command.type === "deviceHello") result = { ...result, state: restartReadyClock(result.state, now) };
  // Nobody waits for a device that is out of rotation.
  const availability = result.state.availability;
  if (result.state.disabled && lineOf(result.state).length > 0) {
    result = then(result, (state) => flushLine(state, "was disabled in the registry"));
  } else if (availability.status !== DeviceAvailability.AVAILABLE && lineOf(result.state).length > 0) {
    result = then(result, (state) => flushLine(state, `is ${availability.status}${availability.reason ? ` (${availability.reason})` : ""}`));
  }
  // A hand-over to a named user never outlives its session, its holder's presence or the device's rotation (handover.ts).
  result = then(result, (state) => cancelStaleHandover(state, command));
  // Nobody is offered a device a booked slot reserves (bookings/schedule.ts).
  return then(result, (state) => (reservedSlot(state, now) ? ok(state) : offerIfFree(state, context)));
}

function consequencesOf(effect: Effect, state: CoreState, context: CoreContext): Outcome {
  switch (effect.type) {
    case "runCompleted":
    case "runFailed":
      return then(runEnded(state, effect.sessionType, context.now), (next) => runFinishedHealth(next, effect, context));
    case "sessionEnded":
      return ok(restartReadyClock(state, context.now));
    case "deviceOffline":
      return withdrawOffer(state, `Device ${state.deviceId} went offline during your hand-off window; you stay first in line.`);
    default:
      return ok(state);
  }
}
