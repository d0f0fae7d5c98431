/**
 * The hand-off window. When the device is free (and grantable: grant.ts) and someone waits,
 * the first in line is offered it for `handoffWindowMs`. Nobody else can take it during the
 * window. The offered user accepts (`accept`, or a `claim` of their own) and holds the device,
 * starting the run they queued with, if any; or declines; or lets the window pass. Either way
 * they leave the line with a reason, and the next in line is offered the device.
 *
 * If the device drops offline during the window the offer is withdrawn and the user stays
 * first in line: the loss was not theirs.
 */
import { ErrorCode, QueueExitReason } from "@baton/protocol";
import { reduceSession } from "./core.ts";
import { rejection } from "./rejection.ts";
import { grantBlocker, canOffer } from "./grant.ts";
import { ok, refuse } from "./line.ts";
import { left } from "./queue.ts";
import type { Command, CoreContext, CoreState, Effect, Json, Outcome, UserRef } from "./types.ts";

/** Offers the device to the first in line when it is free; otherwise changes nothing. */
export function offerIfFree(state: CoreState, context: CoreContext): Outcome {
  if (!canOffer(state)) return ok(state);
  const [entry, ...rest] = state.queue;
  const windowMs = context.timers.handoffWindowMs;
  const offer = { entry, offeredAt: context.now, expiresAt: context.now + windowMs };
  return ok({ ...state, queue: rest, offer }, [{ type: "handoffOffered", user: entry.user, expiresAt: offer.expiresAt, windowMs }]);
}

type Claim = Extract<Command, { type: "claim" }>;

/**
 * What a `claim` meets before the session rules see it: the offer window (only the offered
 * user may take the device, and their claim is their accept) and the grant rules.
 * Null: let the session rules decide (a holder exists, or nothing stands in the way).
 */
export function claimGate(state: CoreState, command: Claim, context: CoreContext): Outcome | null {
  if (state.session) return null; // DEVICE_BUSY / ALREADY_HOLDER, as always
  if (state.offer) {
    if (state.offer.entry.user.userId === command.user.userId) {
      const wanted = command.sessionType !== undefined ? { sessionType: command.sessionType, input: command.input, releaseOnComplete: command.releaseOnComplete } : undefined;
      return acceptOffer(state, command.user, context, wanted);
    }
    const until = state.offer.expiresAt - context.now;
    // The line is private: who is offered the device is theirs to know, not the claimant's.
    return refuse(state, rejection(ErrorCode.HANDOFF_PENDING, { deviceId: state.deviceId, remainingMs: until }));
  }
  const blocked = grantBlocker(state, { admin: command.admin });
  if (blocked) return refuse(state, blocked);
  if (state.queue.length > 0 && state.device.online) {
    // The device is free, grantable and online, yet people wait: only possible between a
    // change and the offer that follows it. Never let a claim jump the line.
    return refuse(state, rejection(ErrorCode.HANDOFF_PENDING, { deviceId: state.deviceId }));
  }
  return null;
}

/**
 * The offered user takes the device. `wanted` (a claim's own run) replaces the run they
 * queued with. A refused claim (e.g. the device's session types changed since) leaves the
 * offer open, so they can try again within the window.
 */
export function acceptOffer(state: CoreState, user: UserRef, context: CoreContext, wanted?: { sessionType?: string; input?: Json; releaseOnComplete?: boolean }): Outcome {
  const offer = state.offer;
  if (!offer || offer.entry.user.userId !== user.userId) {
    return refuse(state, rejection(ErrorCode.NO_OFFER, { deviceId: state.deviceId, reason: offer ? "notYours" : "nobodyOffered" }));
  }
  const run = wanted ?? offer.entry;
  const claim: Claim = {
    type: "claim",
    user: offer.entry.user,
    ...(run.sessionType !== undefined ? { sessionType: run.sessionType, input: run.input ?? {}, releaseOnComplete: Boolean(run.releaseOnComplete) } : {}),
  };
  const withoutOffer = { ...state, offer: null };
  const blocked = grantBlocker(withoutOffer);
  if (blocked) return refuse(state, blocked);
  const claimed = reduceSession(withoutOffer, claim, context);
  if (claimed.rejection) return refuse(state, claimed.rejection);
  const accepted: Effect = left(offer.entry.user, QueueExitReason.ACCEPTED, `You accepted device ${state.deviceId}; it is yours.`);
  return ok(claimed.state, [accepted, ...claimed.effects]);
}

export function declineOffer(state: CoreState, user: UserRef): Outcome {
  const offer = state.offer;
  if (!offer || offer.entry.user.userId !== user.userId) {
    return refuse(state, rejection(ErrorCode.NO_OFFER, { deviceId: state.deviceId, reason: "nothingToDecline" }));
  }
  return ok({ ...state, offer: null }, [left(offer.entry.user, QueueExitReason.DECLINED, `You declined device ${state.deviceId}; it goes to the next in line.`)]);
}

/** The window passed without an answer: the offered user leaves the line. */
export function expireOffer(state: CoreState, context: CoreContext): Outcome {
  const offer = state.offer;
  if (!offer || offer.expiresAt > context.now) return ok(state);
  return ok({ ...state, offer: null }, [left(offer.entry.user, QueueExitReason.OFFER_EXPIRED, `Your offer for device ${state.deviceId} expired (${context.timers.handoffWindowMs} ms without an answer).`)]);
}

/** The device went offline during the window: the offer is taken back, the user stays first. */
export function withdrawOffer(state: CoreState, message: string): Outcome {
  const offer = state.offer;
  if (!offer) return ok(state);
  return ok({ ...state, offer: null, queue: [offer.entry, ...state.queue] }, [{ type: "handoffWithdrawn", user: offer.entry.user, message }]);
}
