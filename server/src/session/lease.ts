/**
 * Fair use of one session (issue 13 item 7), pure: the holder's lease on the device.
 *
 * - `extend`: the holder moves the session's expiry later, by at most what is left of
 *   `maxSessionExtensionMs` for this session in total. The added time survives a run that
 *   re-computes the expiry from its type's cap (core.ts `startRun` uses `expiryOf`).
 * - The expiry warning: `sessionExpiryWarningMs` before `expiresAt` the holder gets a
 *   `sessionExpiring` effect, once per expiry — `warnedFor` records which expiry was
 *   announced, so an extension (a new `expiresAt`) arms the warning again.
 * - `capSession`: the room applies it right after a grant when the user's daily minutes are
 *   limited (rooms/edge/fairUseGate.ts); the session never outlives `quotaUntil`, extensions
 *   included.
 *
 * The warning is a deadline of its own (`leaseDeadlines`), fired by reduce.ts after the
 * session's own deadlines, so an expiry that is already due ends the session rather than
 * warning about it.
 */
import { ErrorCode } from "@baton/protocol";
import { ok, refuse } from "./line.ts";
import { rejection } from "./rejection.ts";
import type { CoreContext, CoreState, LeaseCommand, Outcome, SessionRecord, SessionTimers } from "./types.ts";

export type LeaseDeadlineKind = "expiry_warning";

/**
 * A session's expiry: `capMs` after it started plus what `extend` added, never past the
 * daily quota's end. 0 = no expiry at all (no cap and no quota).
 */
export function expiryOf(session: Pick<SessionRecord, "startedAt" | "extendedMs" | "quotaUntil">, capMs: number): number {
  const capped = capMs > 0 ? session.startedAt + capMs + (session.extendedMs ?? 0) : 0;
  const quota = session.quotaUntil ?? 0;
  if (quota <= 0) return capped;
  return capped === 0 ? quota : Math.min(capped, quota);
}

/** How much more the holder may still add with `extend` (0 when extension is off or used up). */
export function extensionLeft(session: SessionRecord, timers: SessionTimers): number {
  return Math.max(0, (timers.maxSessionExtensionMs ?? 0) - (session.extendedMs ?? 0));
}

/** When the holder is to be warned, or null (no session, no expiry, warning off, already warned for this expiry). */
export function leaseDeadlines(state: CoreState, timers: SessionTimers): { at: number; kind: LeaseDeadlineKind }[] {
  const session = state.session;
  const warningMs = timers.sessionExpiryWarningMs ?? 0;
  if (!session || session.expiresAt <= 0 || warningMs <= 0 || session.warnedFor === session.expiresAt) return [];
  return [{ at: Math.max(session.startedAt, session.expiresAt - warningMs), kind: "expiry_warning" }];
}

/** Fires the expiry warning if it is due (and the session has not ended meanwhile). */
export function fireExpiryWarning(state: CoreState, context: CoreContext): Outcome {
  const due = leaseDeadlines(state, context.timers).some((deadline) => deadline.at <= context.now);
  const session = state.session;
  if (!due || !session) return ok(state);
  return ok({ ...state, session: { ...session, warnedFor: session.expiresAt } }, [
    { type: "sessionExpiring", holder: session.holder, epoch: state.epoch, expiresAt: session.expiresAt, canExtendMs: extensionRoom(session, context.timers) },
  ]);
}

export function leaseCommand(state: CoreState, command: LeaseCommand, context: CoreContext): Outcome {
  return command.type === "extend" ? extend(state, command, context) : capSession(state, command.userId, command.until);
}

/** What an `extend` could actually add now: the allowance left, and never past the quota. */
function extensionRoom(session: SessionRecord, timers: SessionTimers): number {
  const left = extensionLeft(session, timers);
  const quota = session.quotaUntil ?? 0;
  if (session.expiresAt <= 0) return 0;
  return quota > 0 ? Math.max(0, Math.min(left, quota - session.expiresAt)) : left;
}

function extend(state: CoreState, command: Extract<LeaseCommand, { type: "extend" }>, context: CoreContext): Outcome {
  const session = state.session;
  const deviceId = state.deviceId;
  if (!session || session.holder.userId !== command.user.userId) {
    return refuse(state, rejection(ErrorCode.NOT_OWNER, { reason: "extendNotHeld", deviceId }));
  }
  const allowance = context.timers.maxSessionExtensionMs ?? 0;
  if (session.expiresAt <= 0) {
    return refuse(state, rejection(ErrorCode.EXTENSION_REFUSED, { reason: "noExpiry", deviceId }));
  }
  if (allowance <= 0) {
    return refuse(state, rejection(ErrorCode.EXTENSION_REFUSED, { reason: "extensionsOff", deviceId, endsAt: session.expiresAt }));
  }
  const left = extensionLeft(session, context.timers);
  if (left <= 0) {
    return refuse(state, rejection(ErrorCode.EXTENSION_REFUSED, { reason: "allowanceUsed", deviceId, allowanceMs: allowance, endsAt: session.expiresAt }));
  }
  const room = extensionRoom(session, context.timers);
  if (room <= 0) {
    return refuse(state, rejection(ErrorCode.EXTENSION_REFUSED, { reason: "quotaEnds", deviceId, quotaUntil: session.quotaUntil ?? 0 }));
  }
  const added = Math.min(command.byMs ?? room, room);
  const extended: SessionRecord = { ...session, extendedMs: (session.extendedMs ?? 0) + added, expiresAt: session.expiresAt + added, lastActivity: context.now };
  return ok({ ...state, session: extended }, [
    { type: "sessionExtended", holder: session.holder, epoch: state.epoch, expiresAt: extended.expiresAt, extendedMs: extended.extendedMs!, canExtendMs: extensionRoom(extended, context.timers) },
  ]);
}

/** The session ends by `until` at the latest (the holder's daily minutes); a no-op for anyone else's session. */
function capSession(state: CoreState, userId: string, until: number): Outcome {
  const session = state.session;
  if (!session || session.holder.userId !== userId || until <= 0) return ok(state);
  const quotaUntil = session.quotaUntil ? Math.min(session.quotaUntil, until) : until;
  const expiresAt = session.expiresAt > 0 ? Math.min(session.expiresAt, quotaUntil) : quotaUntil;
  return ok({ ...state, session: { ...session, quotaUntil, expiresAt } });
}
