/**
 * Passing the baton to a named person (issue 24): the holder offers the device they hold to
 * one user by id — a teacher to a student, a technician to the next user — without it going
 * back to the line.
 *
 * The rules:
 * - Only the holder may offer, one offer at a time, never to themselves, and only while the
 *   device may be granted to someone new at all (not disabled, drained, quarantined or in
 *   maintenance). The named user need not be in the room: they are named by the user id
 *   their token carries, and only a connection authenticated as that user can accept.
 * - The offer lasts the hand-off window (`handoffWindowMs`, the same one the line's offers
 *   use); its deadline is one of the core's own (`handoverDeadlines`, fired at `tick`).
 * - While it is open the holder keeps the device and may go on working: start runs, cancel,
 *   extend. The hand-over itself completes only when no run is in flight — an accept during a
 *   run is refused (HAND_OVER_REFUSED, `runInFlight`) and the offer stays open, so a run is
 *   never cut short or credited to the wrong person by a hand-over.
 * - Accepting is a grant like any claim: the device must be online and grantable (grant.ts:
 *   a device that owes a `ready` is not handed over until it sends it), and the room's
 *   per-user limits and daily quota apply to the named user before the core sees the accept
 *   (session/fairUse.ts counts `acceptHandover` as seeking a device). The holder's session
 *   ends (`handed_over`), the named user's begins at the next epoch, in one transition — one
 *   commit, before anything of the new epoch can reach the device (effects/effectRunner.ts).
 *   If the named user was waiting in the device's line they leave it; everyone else keeps
 *   their place, and sees the new holder and their new estimates through the state.
 * - The holder may withdraw; the named user may decline; the window may pass. Whenever the
 *   holder's session ends, the holder's last connection goes, or the device is taken out of
 *   rotation, the offer is cancelled (`cancelStaleHandover`, applied after every command).
 *   In every case both are told (`handoverEnded`).
 * - A server restart cancels an open offer cleanly: the restored room starts without it
 *   (restore.ts), as the holder is away from then on — the same rule as the holder leaving.
 *   Nobody is connected to be told; the holder sees `session.handoverUntil` back at 0 and may
 *   offer again, and the named user's accept gets NO_HAND_OVER.
 */
import { DeviceAvailability, EndReason, ErrorCode, HandOverEndReason, QueueExitReason, type HandOverEndReasonName } from "@baton/protocol";
import { claim } from "./claims.ts";
import { describeHolder, ok, refuse, requireHolder } from "./coreSteps.ts";
import { disabledRejection, grantBlocker } from "./grant.ts";
import { left } from "./queue.ts";
import { rejection } from "./rejection.ts";
import { endSession } from "./runs.ts";
import type { Command, CoreContext, CoreState, Effect, HandoverCommand, HandoverOffer, Outcome, UserRef } from "./types.ts";

export type HandoverDeadlineKind = "handover_expired";

export function handoverCommand(state: CoreState, command: HandoverCommand, context: CoreContext): Outcome {
  switch (command.type) {
    case "offerHandover": return offerHandover(state, command.user, command.to, context);
    case "withdrawHandover": return withdrawHandover(state, command.user);
    case "acceptHandover": return acceptHandover(state, command.user, context);
    case "declineHandover": return declineHandover(state, command.user);
  }
}

function offerHandover(state: CoreState, user: UserRef, to: UserRef, context: CoreContext): Outcome {
  const notHolder = requireHolder(state, user, "hand the device over");
  if (notHolder) return refuse(state, notHolder);
  const session = state.session!;
  if (to.userId === session.holder.userId) {
    return refuse(state, rejection(ErrorCode.HAND_OVER_REFUSED, { reason: "toSelf", deviceId: state.deviceId }));
  }
  if (state.handover) {
    return refuse(state, rejection(ErrorCode.HAND_OVER_REFUSED, { reason: "alreadyOffered", deviceId: state.deviceId, to: describeHolder(state.handover.to) }));
  }
  const outOfRotation = rotationBlocker(state);
  if (outOfRotation) return refuse(state, outOfRotation);
  const windowMs = context.timers.handoffWindowMs;
  const offer: HandoverOffer = { from: { ...session.holder }, to: { userId: to.userId, name: to.name }, epoch: state.epoch, offeredAt: context.now, expiresAt: context.now + windowMs };
  return ok({ ...state, handover: offer, session: { ...session, lastActivity: context.now } }, [
    { type: "handoverOffered", from: offer.from, to: offer.to, epoch: offer.epoch, expiresAt: offer.expiresAt, windowMs },
  ]);
}

function withdrawHandover(state: CoreState, user: UserRef): Outcome {
  const notHolder = requireHolder(state, user, "withdraw a hand-over");
  if (notHolder) return refuse(state, notHolder);
  const offer = state.handover;
  if (!offer) return refuse(state, rejection(ErrorCode.NO_HAND_OVER, { deviceId: state.deviceId, reason: "nothingOffered" }));
  return endOffer(state, offer, HandOverEndReason.WITHDRAWN, `${describeHolder(offer.from)} withdrew the hand-over of device ${state.deviceId} to ${describeHolder(offer.to)}.`);
}

function declineHandover(state: CoreState, user: UserRef): Outcome {
  const offer = offerFor(state, user);
  if ("rejection" in offer) return refuse(state, offer.rejection);
  return endOffer(state, offer.offer, HandOverEndReason.DECLINED, `${describeHolder(user)} declined the hand-over of device ${state.deviceId}; ${describeHolder(offer.offer.from)} keeps it.`);
}

/**
 * The named user takes the device: the holder's session ends (`handed_over`) and theirs
 * begins at the next epoch. Refused, with the offer left open, while a run is in flight or
 * the device could not be granted to anyone new.
 */
function acceptHandover(state: CoreState, user: UserRef, context: CoreContext): Outcome {
  const found = offerFor(state, user);
  if ("rejection" in found) return refuse(state, found.rejection);
  const offer = found.offer;
  const run = state.session?.run;
  if (run) return refuse(state, rejection(ErrorCode.HAND_OVER_REFUSED, { reason: "runInFlight", deviceId: state.deviceId, runId: run.runId }));
  if (!state.device.online) return refuse(state, rejection(ErrorCode.DEVICE_OFFLINE, { deviceId: state.deviceId, request: "claim" }));
  const blocked = grantBlocker(state);
  if (blocked) return refuse(state, blocked);
  const ended = endSession({ ...state, handover: null }, EndReason.HANDED_OVER, context);
  // The named user no longer waits for the device they now hold; nobody else's place changes.
  const waited = ended.state.queue.some((entry) => entry.user.userId === user.userId);
  const afterLine = waited ? { ...ended.state, queue: ended.state.queue.filter((entry) => entry.user.userId !== user.userId) } : ended.state;
  const lineEffects: Effect[] = waited ? [left(user, QueueExitReason.ACCEPTED, `${describeHolder(offer.from)} handed you device ${state.deviceId}; you left its line.`)] : [];
  const claimed = claim(afterLine, { type: "claim", user: { userId: user.userId, name: user.name } }, context);
  if (claimed.rejection) return refuse(state, claimed.rejection);
  const to = claimed.state.session!.holder;
  return ok(claimed.state, [
    { type: "handoverEnded", from: offer.from, to, epoch: offer.epoch, reason: HandOverEndReason.ACCEPTED, message: `${describeHolder(offer.from)} handed device ${state.deviceId} over to ${describeHolder(to)}.` },
    ...ended.effects,
    ...lineEffects,
    ...claimed.effects,
    { type: "handedOver", from: offer.from, to, fromEpoch: offer.epoch, epoch: claimed.state.epoch },
  ]);
}

/** The window passed without an answer (fired at `tick`). */
export function expireHandover(state: CoreState, context: CoreContext): Outcome {
  const offer = state.handover;
  if (!offer || offer.expiresAt > context.now) return ok(state);
  return endOffer(state, offer, HandOverEndReason.EXPIRED, `The hand-over of device ${state.deviceId} to ${describeHolder(offer.to)} expired (${context.timers.handoffWindowMs} ms without an answer); ${describeHolder(offer.from)} keeps it.`);
}

/** The open offer's deadline, if any. */
export function handoverDeadlines(state: CoreState): { at: number; kind: HandoverDeadlineKind }[] {
  return state.handover ? [{ at: state.handover.expiresAt, kind: "handover_expired" }] : [];
}

/**
 * After every accepted command: an offer whose session is over, whose holder's last
 * connection went (`command` is how the room says so), or whose device left rotation is
 * cancelled, and both are told.
 */
export function cancelStaleHandover(state: CoreState, command: Command): Outcome {
  const offer = state.handover;
  if (!offer) return ok(state);
  const session = state.session;
  const device = `device ${state.deviceId}`;
  if (!session || session.holder.userId !== offer.from.userId || state.epoch !== offer.epoch) {
    return endOffer(state, offer, HandOverEndReason.CANCELLED, `The hand-over of ${device} to ${describeHolder(offer.to)} was cancelled: ${describeHolder(offer.from)}'s session ended.`);
  }
  if (command.type === "ownerDisconnected" && command.userId === offer.from.userId) {
    return endOffer(state, offer, HandOverEndReason.CANCELLED, `The hand-over of ${device} to ${describeHolder(offer.to)} was cancelled: ${describeHolder(offer.from)} left.`);
  }
  if (rotationBlocker(state)) {
    return endOffer(state, offer, HandOverEndReason.CANCELLED, `The hand-over of ${device} to ${describeHolder(offer.to)} was cancelled: the device was taken out of rotation.`);
  }
  return ok(state);
}

/** Why nobody new may have the device whatever the moment (disabled, or not available); a `ready` still owed is not one — accept waits for it. */
function rotationBlocker(state: CoreState) {
  if (state.disabled) return disabledRejection(state);
  return state.availability.status === DeviceAvailability.AVAILABLE ? null : grantBlocker({ ...state, awaitingReadySince: 0 });
}

function offerFor(state: CoreState, user: UserRef): { offer: HandoverOffer } | { rejection: ReturnType<typeof rejection> } {
  const offer = state.handover;
  if (!offer) return { rejection: rejection(ErrorCode.NO_HAND_OVER, { deviceId: state.deviceId, reason: "nothingOffered" }) };
  if (offer.to.userId !== user.userId) return { rejection: rejection(ErrorCode.NO_HAND_OVER, { deviceId: state.deviceId, reason: "notYours" }) };
  return { offer };
}

function endOffer(state: CoreState, offer: HandoverOffer, reason: HandOverEndReasonName, message: string): Outcome {
  return ok({ ...state, handover: null }, [{ type: "handoverEnded", from: offer.from, to: offer.to, epoch: offer.epoch, reason, message }]);
}
