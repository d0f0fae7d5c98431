/**
 * Drain, quarantine and health (LAVA's model). Admins drain a device (the session in flight
 * finishes, nobody new is granted it) or quarantine it (out of rotation with a reason), and
 * return it to service. The core quarantines a device by itself when its runs fail with a
 * device fault (DEVICE_FAULTS) `quarantineAfterFailures` times in a row, or when a run of a
 * declared health session type fails; a passing health run returns a device the core
 * quarantined (never one an admin did: their reason is theirs to lift).
 *
 * Only device faults count toward the automatic quarantine: a failure a user can cause (a
 * scale nobody stepped on, a cancel, a device's own code Baton cannot judge) must never let
 * a user take a device out of rotation (issue 18 finding 12).
 *
 * Whatever takes the device out of rotation, the people waiting for it are told and leave
 * the line (`device_unavailable`): nobody waits for a device that will not come back by itself.
 */
import { DeviceAvailability, ErrorCode, type DeviceAvailabilityName } from "@baton/protocol";
import { ok } from "./line.ts";
import { rulesOf } from "./rules.ts";
import { reduceSession } from "./core.ts";
import type { Availability, AvailabilityCommand, CoreContext, CoreState, Effect, Outcome, UserRef } from "./types.ts";

/** The `by` of a quarantine the health rules decided. */
export const HEALTH = "health";

/**
 * Failure codes that say the device itself is at fault, whatever its user did: its instrument
 * does not answer, it was lost mid-run, or it stopped reporting. Only these count toward
 * `quarantineAfterFailures` (a health run's failure quarantines whatever its code).
 */
export const DEVICE_FAULTS: ReadonlySet<string> = new Set([ErrorCode.INSTRUMENT_FAULT, ErrorCode.DEVICE_FAILED, ErrorCode.RUN_TIMEOUT]);

function change(state: CoreState, status: DeviceAvailabilityName, reason: string, by: string, now: number): Outcome {
  const current = state.availability;
  if (current.status === status && current.reason === reason) return ok(state);
  const availability: Availability = { status, reason, since: now, by };
  return ok({ ...state, availability }, [{ type: "availabilityChanged", availability, previous: current.status }]);
}

export function availabilityCommand(state: CoreState, command: AvailabilityCommand, context: CoreContext): Outcome {
  switch (command.type) {
    case "drain": return change(state, DeviceAvailability.DRAINED, command.reason, command.by.userId, context.now);
    case "quarantine": return change(state, DeviceAvailability.QUARANTINED, command.reason, command.by.userId, context.now);
    case "returnToService": {
      const back = change(state, DeviceAvailability.AVAILABLE, command.reason, command.by.userId, context.now);
      // An admin returning a device vouches for it: a `ready` still owed is forgiven, and its failure count starts over.
      return ok({ ...back.state, awaitingReadySince: 0, consecutiveFailures: 0 }, back.effects);
    }
  }
}

/** Who ends a session when the registry disables its device. */
export const REGISTRY: UserRef = { userId: "registry", name: "registry" };

/**
 * The registry's current state (issue 18 finding 3): a disabled device is nobody's — the
 * session in flight ends (kicked, by "registry"), and the line is emptied in reduce.ts.
 */
export function registryState(state: CoreState, disabled: boolean, context: CoreContext): Outcome {
  if (Boolean(state.disabled) === disabled) return ok(state);
  const marked: CoreState = { ...state, disabled, offer: disabled ? null : state.offer, queue: disabled && state.offer ? [state.offer.entry, ...state.queue] : state.queue };
  if (!disabled || !marked.session) return ok(marked);
  return reduceSession(marked, { type: "forceRelease", by: REGISTRY, reason: "the device was disabled in the registry" }, context);
}

/** A run finished: count failures in a row, and let health runs quarantine or return the device. */
export function runFinishedHealth(state: CoreState, effect: Extract<Effect, { type: "runCompleted" | "runFailed" }>, context: CoreContext): Outcome {
  const isHealthCheck = Boolean(state.device.sessionTypes.find((spec) => spec.name === effect.sessionType)?.health);
  if (effect.type === "runCompleted") {
    const reset = state.consecutiveFailures === 0 ? state : { ...state, consecutiveFailures: 0 };
    if (isHealthCheck && reset.availability.status === DeviceAvailability.QUARANTINED && reset.availability.by === HEALTH) {
      return change(reset, DeviceAvailability.AVAILABLE, `health check "${effect.sessionType}" passed`, HEALTH, context.now);
    }
    return ok(reset);
  }
  // A cancel is the holder's choice, not the device failing.
  if (effect.code === ErrorCode.CANCELLED) return ok(state);
  // An empty scale or a device's own code: nothing proves the device at fault.
  if (!isHealthCheck && !DEVICE_FAULTS.has(effect.code)) return ok(state);
  const failures = state.consecutiveFailures + 1;
  const counted = { ...state, consecutiveFailures: failures };
  // An admin's quarantine stays theirs; a health quarantine only changes its reason on another failed check.
  if (state.availability.status === DeviceAvailability.QUARANTINED && (state.availability.by !== HEALTH || !isHealthCheck)) return ok(counted);
  if (isHealthCheck) {
    return change(counted, DeviceAvailability.QUARANTINED, `health check "${effect.sessionType}" failed (${effect.code})`, HEALTH, context.now);
  }
  const limit = rulesOf(context).quarantineAfterFailures;
  if (limit > 0 && failures >= limit) {
    return change(counted, DeviceAvailability.QUARANTINED, `${failures} failed runs in a row (last: ${effect.code})`, HEALTH, context.now);
  }
  return ok(counted);
}
