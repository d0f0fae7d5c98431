/**
 * The physical hand-over. A device that needs a reset between holders — declared for the
 * whole device (`hello.needsReset`) or per session type (`needsReset` on the declaration) —
 * owes a `ready` after every run it ran. Until it sends one, nobody *new* may be granted it
 * (grant.ts); the holder of the session in flight may go on (they are the one at the device).
 *
 * This is the `ready` devices already send after each run (PROTOCOL.md §7.4), so existing
 * devices keep working: a device that never declares `needsReset` is never waited for.
 *
 * The wait is bounded: no `ready` within `readyTimeoutMs` of the device being free (and
 * online) puts it in maintenance with a reason, and a late `ready` brings it back.
 */
import { DeviceAvailability } from "@baton/protocol";
import { ok } from "./line.ts";
import type { CoreContext, CoreState, Effect, Outcome, SessionTimers } from "./types.ts";

/** The `by` of a maintenance the readiness rule decided (a late `ready` may undo only this one). */
export const READINESS = "readiness";

export function needsResetAfter(state: CoreState, sessionType: string): boolean {
  if (state.device.needsReset) return true;
  return Boolean(state.device.sessionTypes.find((spec) => spec.name === sessionType)?.needsReset);
}

/** A run of `sessionType` ended on the device: it owes a `ready` if that run needs a reset. */
export function runEnded(state: CoreState, sessionType: string, now: number): Outcome {
  if (!needsResetAfter(state, sessionType)) return ok(state);
  const effects: Effect[] = state.awaitingReadySince > 0 ? [] : [{ type: "deviceNotReady", since: now }];
  return ok({ ...state, awaitingReadySince: now }, effects);
}

/**
 * The session ended (or the device said hello again) while a `ready` is owed: the wait is
 * counted from now, when the device is free for the next person (or back to send it).
 */
export function restartReadyClock(state: CoreState, now: number): CoreState {
  return state.awaitingReadySince > 0 && state.awaitingReadySince !== now ? { ...state, awaitingReadySince: now } : state;
}

/** `ready` arrived: nothing more is owed; a maintenance caused by waiting for it ends. */
export function readyReceived(state: CoreState, now: number): Outcome {
  const effects: Effect[] = [];
  let next = state;
  if (state.awaitingReadySince > 0) {
    effects.push({ type: "deviceReadyAgain", waitedMs: now - state.awaitingReadySince });
    next = { ...next, awaitingReadySince: 0 };
  }
  if (next.availability.status === DeviceAvailability.MAINTENANCE && next.availability.by === READINESS) {
    const availability = { status: DeviceAvailability.AVAILABLE, reason: "the device reported ready", since: now, by: READINESS };
    effects.push({ type: "availabilityChanged", availability, previous: next.availability.status });
    next = { ...next, availability };
  }
  return ok(next, effects);
}

/** When a missing `ready` puts the device in maintenance, or null. */
export function readyDeadline(state: CoreState, timers: SessionTimers): number | null {
  if (state.awaitingReadySince === 0 || timers.readyTimeoutMs <= 0) return null;
  if (state.session || !state.device.online || state.availability.status !== DeviceAvailability.AVAILABLE) return null;
  return state.awaitingReadySince + timers.readyTimeoutMs;
}

export function fireReadyTimeout(state: CoreState, context: CoreContext): Outcome {
  const at = readyDeadline(state, context.timers);
  if (at === null || at > context.now) return ok(state);
  const availability = {
    status: DeviceAvailability.MAINTENANCE,
    reason: `no \`ready\` within ${context.timers.readyTimeoutMs} ms after the last session (physical reset not confirmed)`,
    since: context.now,
    by: READINESS,
  };
  return ok({ ...state, availability }, [{ type: "availabilityChanged", availability, previous: state.availability.status }]);
}
