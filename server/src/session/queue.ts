/**
 * The fair queue of one device: FIFO, one place per user, bounded length. A user says at
 * enqueue time what they want to run, and it is checked then (type declared, input valid),
 * so a hand-off never stalls on input that could never have run. A waiting user whose last
 * connection drops keeps their place for the owner reconnect grace.
 *
 * Offers, accepts and declines are in handoff.ts; who may be granted the device at all is
 * in grant.ts.
 */
import { DeviceAvailability, ErrorCode, QueueExitReason, type QueueExitReasonName } from "@baton/protocol";
import { disabledRejection } from "./grant.ts";
import { describeUser, lineOf, ok, positionOf, refuse } from "./line.ts";
import { rejection } from "./rejection.ts";
import { rulesOf } from "./rules.ts";
import type { Command, CoreContext, CoreState, Effect, Outcome, QueueEntry, SessionTimers, UserRef } from "./types.ts";

type Enqueue = Extract<Command, { type: "enqueue" }>;

export function enqueue(state: CoreState, command: Enqueue, context: CoreContext): Outcome {
  const user = command.user;
  if (state.session?.holder.userId === user.userId) {
    return refuse(state, rejection(ErrorCode.ALREADY_HOLDER, { deviceId: state.deviceId, queueing: true }));
  }
  const position = positionOf(state, user.userId);
  if (position > 0) {
    return refuse(state, rejection(ErrorCode.ALREADY_QUEUED, { deviceId: state.deviceId, position }));
  }
  if (state.disabled) {
    return refuse(state, disabledRejection(state));
  }
  if (state.availability.status !== DeviceAvailability.AVAILABLE) {
    return refuse(state, rejection(ErrorCode.DEVICE_UNAVAILABLE, { deviceId: state.deviceId, status: state.availability.status, reason: state.availability.reason || null, request: "enqueue" }));
  }
  const max = rulesOf(context).maxQueueLength;
  if (lineOf(state).length >= max) {
    return refuse(state, rejection(ErrorCode.QUEUE_FULL, { deviceId: state.deviceId, waiting: max }));
  }
  if (command.sessionType !== undefined) {
    const spec = state.device.sessionTypes.find((candidate) => candidate.name === command.sessionType);
    if (!spec) {
      const offered = state.device.sessionTypes.map((candidate) => candidate.name);
      return refuse(state, rejection(ErrorCode.UNKNOWN_SESSION_TYPE, { deviceId: state.deviceId, sessionType: command.sessionType, offered }));
    }
    const problem = context.validateInput(spec, command.input ?? {});
    if (problem) return refuse(state, rejection(ErrorCode.INVALID_INPUT, { sessionType: command.sessionType, problem }));
  }
  const entry: QueueEntry = {
    user: { userId: user.userId, name: user.name },
    enqueuedAt: context.now,
    lostAt: 0,
    ...(command.sessionType !== undefined ? { sessionType: command.sessionType, input: command.input ?? {}, releaseOnComplete: Boolean(command.releaseOnComplete) } : {}),
  };
  const queue = [...state.queue, entry];
  const next = { ...state, queue };
  return ok(next, [{ type: "queueJoined", user: entry.user, position: lineOf(next).length }]);
}

/** `leave_queue`: out of the line; the holder of an open offer passes it on (as a decline would). */
export function leaveQueue(state: CoreState, user: UserRef): Outcome {
  if (state.offer?.entry.user.userId === user.userId) {
    return ok({ ...state, offer: null }, [left(state.offer.entry.user, QueueExitReason.LEFT, `You left the line for device ${state.deviceId} and passed on its offer.`)]);
  }
  const index = state.queue.findIndex((entry) => entry.user.userId === user.userId);
  if (index < 0) return refuse(state, rejection(ErrorCode.NOT_QUEUED, { deviceId: state.deviceId }));
  const queue = state.queue.filter((_, i) => i !== index);
  return ok({ ...state, queue }, [left(state.queue[index].user, QueueExitReason.LEFT, `You left the line for device ${state.deviceId}.`)]);
}

export function left(user: UserRef, reason: QueueExitReasonName, message: string): Effect {
  return { type: "queueLeft", user, reason, message };
}

/**
 * A user's last connection dropped (`lostAt` = now) or came back (0). Their place is kept;
 * only `dropLostEntries` takes it, once the grace has passed.
 */
export function markConnection(state: CoreState, userId: string, lostAt: number): CoreState {
  const update = (entry: QueueEntry) => (entry.user.userId === userId && (lostAt === 0 ? entry.lostAt !== 0 : entry.lostAt === 0) ? { ...entry, lostAt } : entry);
  const queue = state.queue.some((entry) => entry.user.userId === userId) ? state.queue.map(update) : state.queue;
  const offer = state.offer && state.offer.entry.user.userId === userId ? { ...state.offer, entry: update(state.offer.entry) } : state.offer;
  return queue === state.queue && offer === state.offer ? state : { ...state, queue, offer };
}

/** When the earliest waiting user who is away loses their place (null: nobody is away). */
export function nextLostDeadline(state: CoreState, timers: SessionTimers): number | null {
  let earliest: number | null = null;
  for (const entry of state.queue) {
    if (entry.lostAt > 0) {
      const at = entry.lostAt + timers.ownerReconnectGraceMs;
      if (earliest === null || at < earliest) earliest = at;
    }
  }
  return earliest;
}

/** Removes every waiting user who has been away longer than the reconnect grace. */
export function dropLostEntries(state: CoreState, context: CoreContext): Outcome {
  const grace = context.timers.ownerReconnectGraceMs;
  const gone = state.queue.filter((entry) => entry.lostAt > 0 && entry.lostAt + grace <= context.now);
  if (gone.length === 0) return ok(state);
  const queue = state.queue.filter((entry) => !gone.includes(entry));
  return ok({ ...state, queue }, gone.map((entry) => left(entry.user, QueueExitReason.DISCONNECTED, `You were away from device ${state.deviceId} longer than ${grace} ms and lost your place in line.`)));
}

/** Everyone waiting is told the device will not be theirs (drained, quarantined, maintenance). */
export function flushLine(state: CoreState, why: string): Outcome {
  const line = lineOf(state);
  if (line.length === 0) return ok(state);
  return ok({ ...state, queue: [], offer: null }, line.map((entry) => left(entry.user, QueueExitReason.DEVICE_UNAVAILABLE, `Device ${state.deviceId} ${why}; you are no longer in line for it.`)));
}

export { describeUser };
