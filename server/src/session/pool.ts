/**
 * The pure rules of a pool: "any free device of the pool", FIFO across everyone waiting.
 *
 *     reducePool(state, command, context) → { state, effects, rejection? }
 *
 * A pool never grants a device itself. It asks one device at a time for a *conditional
 * claim* (effect `tryClaim`: "grant to user U if free, else refuse"), which that device's
 * room decides with its own core like any claim — the device room stays the only writer of
 * its holder, so a pool cannot make two holders. The pool only learns the answer (command
 * `answer`) and decides what comes next:
 * - only the first waiter is ever tried (strict FIFO): nobody behind them can be granted a
 *   device the first one could have had;
 * - one attempt in flight at a time, devices tried in round-robin order starting after the
 *   device granted last (wear spreads across the pool), a device that just freed up first;
 * - a refusal that a device gives because it is *not free* (busy, offline, offered to its
 *   own line, not ready, drained) leaves the waiter first in line until a device frees up
 *   (`deviceFreed`) or the retry deadline passes (`tick`) — but only that: a refusal of
 *   *the user* (a per-user limit) removes them at once, and a round in which no device
 *   refused for being not free (every one refused the request itself, or could not be
 *   asked) removes them with the devices' sentences. Nobody can keep the first place, and
 *   with it everyone behind them, with a request no device will ever grant (issue 18).
 *
 * Nothing here imports a room, a socket or a clock: time comes in the context.
 */
import { ErrorCode, PoolExitReason, type ErrorCodeName, type PoolExitReasonName } from "@baton/protocol";
import { rejection } from "./rejection.ts";
import type { Json, Rejection, UserRef } from "./types.ts";

/** What the user wants once a device is theirs (the claim's own fields). */
export interface PoolRequest {
  sessionType?: string;
  input?: Json;
  releaseOnComplete?: boolean;
}

export interface PoolWaiter {
  user: UserRef;
  since: number;
  request: PoolRequest;
}

/** The conditional claim in flight: `waiter` (the first in line) asked of `deviceId`. */
export interface PoolAttempt {
  id: number;
  userId: string;
  deviceId: string;
  /** Devices still to ask in this round, in order. */
  remaining: string[];
  /** Refusals so far in this round. */
  refusals: { deviceId: string; code: string; message: string }[];
}

export interface PoolState {
  pool: string;
  /** Device ids of the pool (the registry's, refreshed by `membersChanged`), sorted. */
  members: string[];
  /** Everyone waiting, first in line first; the one being tried stays first until answered. */
  waiting: PoolWaiter[];
  attempt: PoolAttempt | null;
  /** Something changed while an attempt was in flight (a device freed up): run another round right after. */
  again: boolean;
  /** A device that freed up during the attempt: asked first in the next round. */
  preferred: string | null;
  /** The device granted last; the next round starts after it. */
  lastGranted: string;
  /** When the last round ended without a grant (the retry deadline counts from here). */
  idleSince: number;
  nextAttemptId: number;
}

export interface PoolContext {
  now: number;
  /** Waiters at most (QUEUE_FULL beyond). */
  maxWaiting: number;
  /** A round that found nothing free is tried again this long after it ended (a missed `deviceFreed` costs at most this). */
  retryMs: number;
}

export type ClaimAnswer = { granted: true; epoch: number } | { granted: false; code: string; message: string };

export type PoolCommand =
  | { type: "claimAny"; user: UserRef; request: PoolRequest }
  | { type: "leavePool"; user: UserRef }
  /** The user's last connection stayed away past the reconnect grace. */
  | { type: "userGone"; userId: string }
  | { type: "answer"; attemptId: number; deviceId: string; answer: ClaimAnswer }
  | { type: "deviceFreed"; deviceId: string }
  | { type: "membersChanged"; members: string[] }
  | { type: "tick" };

export type PoolEffect =
  /** Ask `deviceId`'s room: grant to `user` if free, else refuse. Answer with `answer {attemptId}`. */
  | { type: "tryClaim"; attemptId: number; deviceId: string; user: UserRef; request: PoolRequest }
  | { type: "granted"; user: UserRef; deviceId: string; epoch: number; sessionType?: string }
  | { type: "poolLeft"; user: UserRef; reason: PoolExitReasonName; message: string }
  /** The line changed: every waiter's position may have. */
  | { type: "positionsChanged" };

export interface PoolOutcome {
  state: PoolState;
  effects: PoolEffect[];
  rejection?: Rejection;
}

/** Refusals because the device is not free right now, for anyone: waiting for it can help. */
const NOT_FREE: ReadonlySet<string> = new Set<ErrorCodeName>([
  ErrorCode.DEVICE_BUSY, ErrorCode.ALREADY_HOLDER, ErrorCode.HANDOFF_PENDING, ErrorCode.DEVICE_OFFLINE,
  ErrorCode.DEVICE_NOT_READY, ErrorCode.DEVICE_UNAVAILABLE, ErrorCode.SERVER_BUSY,
  // Kept for a booked slot (bookings/schedule.ts): free again for others when it ends or lapses.
  ErrorCode.DEVICE_BOOKED,
]);
/** Refusals of the user, whichever device is asked (the per-user limits, rooms/edge/fairUseGate.ts): asking the others cannot help. */
const USER_REFUSALS: ReadonlySet<string> = new Set<ErrorCodeName>([ErrorCode.USER_DEVICE_LIMIT, ErrorCode.DAILY_QUOTA_EXHAUSTED]);

export function initialPoolState(pool: string, members: string[], now: number): PoolState {
  return { pool, members: [...new Set(members)].sort(), waiting: [], attempt: null, again: false, preferred: null, lastGranted: "", idleSince: now, nextAttemptId: 1 };
}

export function positionInPool(state: PoolState, userId: string): number {
  return state.waiting.findIndex((waiter) => waiter.user.userId === userId) + 1;
}

/** When the pool wants a `tick` (null: nothing to retry). */
export function poolDeadline(state: PoolState, context: Pick<PoolContext, "retryMs">): number | null {
  if (state.attempt || state.waiting.length === 0) return null;
  return state.idleSince + context.retryMs;
}

export function reducePool(state: PoolState, command: PoolCommand, context: PoolContext): PoolOutcome {
  switch (command.type) {
    case "claimAny": return claimAny(state, command.user, command.request, context);
    case "leavePool": {
      if (positionInPool(state, command.user.userId) === 0) {
        return refuse(state, rejection(ErrorCode.NOT_QUEUED, { pool: state.pool }));
      }
      return leave(state, command.user.userId, PoolExitReason.LEFT, `You left the line for pool ${state.pool}.`);
    }
    case "userGone":
      if (positionInPool(state, command.userId) === 0) return ok(state);
      return leave(state, command.userId, PoolExitReason.DISCONNECTED, `You were away from pool ${state.pool} longer than the reconnect grace and lost your place in line.`);
    case "answer": return answered(state, command, context);
    case "deviceFreed": return deviceFreed(state, command.deviceId, context);
    case "membersChanged": return membersChanged(state, command.members, context);
    case "tick": {
      const due = poolDeadline(state, context);
      return due !== null && due <= context.now ? startRound(state, context) : ok(state);
    }
  }
}

function claimAny(state: PoolState, user: UserRef, request: PoolRequest, context: PoolContext): PoolOutcome {
  const position = positionInPool(state, user.userId);
  if (position > 0) return refuse(state, rejection(ErrorCode.ALREADY_QUEUED, { pool: state.pool, position }));
  // A request of theirs is still being decided (they left while a device was asked): one at a time.
  if (state.attempt?.userId === user.userId) return refuse(state, rejection(ErrorCode.ALREADY_QUEUED, { pool: state.pool, beingAsked: true }));
  if (state.members.length === 0) return refuse(state, rejection(ErrorCode.UNKNOWN_POOL, { pool: state.pool }));
  if (state.waiting.length >= context.maxWaiting) return refuse(state, rejection(ErrorCode.QUEUE_FULL, { pool: state.pool, waiting: context.maxWaiting }));
  const waiter: PoolWaiter = { user: { userId: user.userId, name: user.name }, since: context.now, request: { ...request } };
  const next = { ...state, waiting: [...state.waiting, waiter] };
  // Only a newcomer who is first in line starts a round: anyone behind waits their turn.
  if (next.waiting.length === 1 && !next.attempt) return withPositions(startRound(next, context));
  return ok(next, [{ type: "positionsChanged" }]);
}

/**
 * The user stops waiting. If they are the one being tried, the attempt stays in flight (its
 * device may be granting right now) but no longer belongs to anyone waiting: a grant that
 * crosses the leave is still reported to them (they hold the device and can release it).
 */
function leave(state: PoolState, userId: string, reason: PoolExitReasonName, message: string): PoolOutcome {
  const waiter = state.waiting.find((candidate) => candidate.user.userId === userId)!;
  const waiting = state.waiting.filter((candidate) => candidate !== waiter);
  return ok({ ...state, waiting }, [{ type: "poolLeft", user: waiter.user, reason, message }, { type: "positionsChanged" }]);
}

function answered(state: PoolState, command: Extract<PoolCommand, { type: "answer" }>, context: PoolContext): PoolOutcome {
  const attempt = state.attempt;
  // A late or duplicate answer (the adapter answers every attempt exactly once; this is defence).
  if (!attempt || attempt.id !== command.attemptId || attempt.deviceId !== command.deviceId) return ok(state);
  const waiter = state.waiting.find((candidate) => candidate.user.userId === attempt.userId);
  if (command.answer.granted) {
    const user = waiter?.user ?? { userId: attempt.userId, name: "" };
    const granted: PoolEffect = { type: "granted", user, deviceId: attempt.deviceId, epoch: command.answer.epoch, ...(waiter?.request.sessionType ? { sessionType: waiter.request.sessionType } : {}) };
    const next: PoolState = { ...state, waiting: state.waiting.filter((candidate) => candidate !== waiter), attempt: null, lastGranted: attempt.deviceId, again: false, preferred: null };
    // Served one: the next in line is tried at once (another device may be free too).
    return withPositions(then(ok(next, [granted]), (after) => startRound(after, context)));
  }
  const refusals = [...attempt.refusals, { deviceId: attempt.deviceId, code: command.answer.code, message: command.answer.message }];
  if (!waiter) return startRound({ ...state, attempt: null }, context); // they left meanwhile: the next in line gets a fresh round
  if (USER_REFUSALS.has(command.answer.code)) return dropFirst(state, waiter, command.answer.message, context);
  const [nextDevice, ...remaining] = attempt.remaining;
  if (nextDevice !== undefined) {
    const nextAttempt: PoolAttempt = { id: state.nextAttemptId, userId: attempt.userId, deviceId: nextDevice, remaining, refusals };
    return ok({ ...state, attempt: nextAttempt, nextAttemptId: state.nextAttemptId + 1 }, [{ type: "tryClaim", attemptId: nextAttempt.id, deviceId: nextDevice, user: waiter.user, request: waiter.request }]);
  }
  // Every device refused. Unless one of them was merely not free, waiting cannot help.
  if (!refusals.some((refusal) => NOT_FREE.has(refusal.code))) {
    const reason = refusals.map((refusal) => `${refusal.deviceId}: ${refusal.message}`).join("; ");
    return dropFirst(state, waiter, `No device of pool ${state.pool} can run this request: ${reason}`, context);
  }
  return finishRound({ ...state, attempt: null }, context);
}

/** The first in line can never be served as they asked: out of the line with `message`, and the next one is tried at once. */
function dropFirst(state: PoolState, waiter: PoolWaiter, message: string, context: PoolContext): PoolOutcome {
  const gone = leave({ ...state, attempt: null }, waiter.user.userId, PoolExitReason.REFUSED, message);
  return then(gone, (next) => startRound({ ...next, again: false }, context));
}

/** A round ended without a grant: run another one now if something changed meanwhile, else wait. */
function finishRound(state: PoolState, context: PoolContext): PoolOutcome {
  if (state.again) return startRound({ ...state, again: false }, context);
  return ok({ ...state, idleSince: context.now, preferred: null });
}

function deviceFreed(state: PoolState, deviceId: string, context: PoolContext): PoolOutcome {
  if (!state.members.includes(deviceId)) return ok(state);
  if (state.attempt) return ok({ ...state, again: true, preferred: deviceId });
  if (state.waiting.length === 0) return ok(state);
  return startRound({ ...state, preferred: deviceId }, context);
}

function membersChanged(state: PoolState, members: string[], context: PoolContext): PoolOutcome {
  const sorted = [...new Set(members)].sort();
  if (sorted.join("\u0000") === state.members.join("\u0000")) return ok(state);
  const next = { ...state, members: sorted };
  if (sorted.length === 0) {
    // Nobody can be served any more: tell everyone now rather than let them wait for ever.
    const effects: PoolEffect[] = next.waiting.map((waiter) => ({ type: "poolLeft", user: waiter.user, reason: PoolExitReason.NO_DEVICES, message: `Pool ${state.pool} has no registered device any more.` }));
    return ok({ ...next, waiting: [] }, effects.length > 0 ? [...effects, { type: "positionsChanged" }] : []);
  }
  if (next.attempt) return ok({ ...next, again: true });
  return next.waiting.length > 0 ? startRound(next, context) : ok(next);
}

/** Asks the first device of a new round for the first in line (nothing when nobody waits or an attempt is in flight). */
function startRound(state: PoolState, context: PoolContext): PoolOutcome {
  const waiter = state.waiting[0];
  if (!waiter || state.attempt || state.members.length === 0) return ok({ ...state, idleSince: context.now });
  const [first, ...remaining] = roundOrder(state);
  const attempt: PoolAttempt = { id: state.nextAttemptId, userId: waiter.user.userId, deviceId: first, remaining, refusals: [] };
  return ok({ ...state, attempt, nextAttemptId: state.nextAttemptId + 1, again: false, preferred: null }, [
    { type: "tryClaim", attemptId: attempt.id, deviceId: first, user: waiter.user, request: waiter.request },
  ]);
}

/** Round-robin after the device granted last; a device that just freed up first. */
export function roundOrder(state: Pick<PoolState, "members" | "lastGranted" | "preferred">): string[] {
  const members = state.members;
  const start = members.findIndex((deviceId) => deviceId > state.lastGranted);
  const rotated = start <= 0 ? [...members] : [...members.slice(start), ...members.slice(0, start)];
  if (state.preferred && rotated.includes(state.preferred)) return [state.preferred, ...rotated.filter((deviceId) => deviceId !== state.preferred)];
  return rotated;
}

function withPositions(outcome: PoolOutcome): PoolOutcome {
  if (outcome.effects.some((effect) => effect.type === "positionsChanged")) return outcome;
  return { ...outcome, effects: [...outcome.effects, { type: "positionsChanged" }] };
}

function then(outcome: PoolOutcome, step: (state: PoolState) => PoolOutcome): PoolOutcome {
  const next = step(outcome.state);
  return { ...next, effects: [...outcome.effects, ...next.effects] };
}

function ok(state: PoolState, effects: PoolEffect[] = []): PoolOutcome {
  return { state, effects };
}

function refuse(state: PoolState, refusal: Rejection): PoolOutcome {
  return { state, effects: [], rejection: refusal };
}
