/**
 * The session rules of one device, as a pure reducer:
 *
 *     reduce(state, command, context) → { state, effects, rejection? }
 *
 * No Colyseus, no sockets, no timers: the clock, run ids and input validation come in
 * through `context`. The room is the single writer of this state, which is what makes a
 * claim atomic — two claims are two commands applied one after the other, and the second
 * sees the first's holder.
 *
 * Fencing: `epoch` grows by one each time a new holder takes the device. Every command to
 * the device carries it; a device report whose epoch or run id is not the current run's is
 * refused, and a result among them is recorded as orphaned (and acknowledged, so the device
 * can forget it) — never credited to whoever holds the device now.
 *
 * This file holds the state's start and the dispatch; the rules live one command family per
 * file: claims.ts, runs.ts, deviceReports.ts (and the epoch limits), timers.ts, with the small
 * steps they share in coreSteps.ts.
 */
import { DeviceAvailability, DeviceConnection, EndReason } from "@baton/protocol";
import { ok } from "./coreSteps.ts";
import { endSession, runCommand, cancel } from "./runs.ts";
import { claim, release, ownerDisconnected, ownerReconnected } from "./claims.ts";
import { deviceHello, deviceDisconnected, deviceAccepted, deviceProgress, deviceResult, deviceFailed, deviceReady } from "./deviceReports.ts";
import { tick } from "./timers.ts";
export { MAX_EPOCH, MAX_HELLO_EPOCH_RAISE } from "./deviceReports.ts";
import type { Command, CoreContext, CoreState, Outcome } from "./types.ts";

export function initialState(deviceId: string, now: number): CoreState {
  return {
    deviceId,
    epoch: 0,
    device: { online: false, lastSeenAt: 0, since: now, connection: DeviceConnection.UNKNOWN, firmware: "", sessionTypes: [] },
    session: null,
    lastEndReason: "",
    recentlyCompletedRunIds: [],
    orphanedResults: 0,
    queue: [],
    offer: null,
    awaitingReadySince: 0,
    availability: { status: DeviceAvailability.AVAILABLE, reason: "", since: now, by: "" },
    consecutiveFailures: 0,
  };
}

/** Commands that come from the device itself: each one is proof that it is alive. */
const DEVICE_REPORTS = new Set<Command["type"]>(["deviceHello", "deviceAccepted", "deviceProgress", "deviceResult", "deviceFailed", "deviceReady", "deviceHeartbeat"]);

/**
 * The session rules alone: claims, runs, device reports and the session's timers. The queue,
 * hand-off, readiness and availability rules wrap it in reduce.ts, which is what callers use.
 */
export function reduceSession(state: CoreState, command: Command, context: CoreContext): Outcome {
  if (DEVICE_REPORTS.has(command.type) && state.device.online) {
    state = { ...state, device: { ...state.device, lastSeenAt: context.now } };
  }
  switch (command.type) {
    case "claim": return claim(state, command, context);
    case "run": return runCommand(state, command, context);
    case "cancel": return cancel(state, command.user, context);
    case "release": return release(state, command.user, context);
    case "forceRelease": return state.session ? endSession(state, EndReason.KICKED, context, { by: command.by, note: command.reason }) : ok(state);
    case "ownerDisconnected": return ownerDisconnected(state, command.userId, context);
    case "ownerReconnected": return ownerReconnected(state, command.userId, context);
    case "deviceConnected": return ok({ ...state, device: { ...state.device, connection: DeviceConnection.CONNECTING } });
    case "deviceHello": return deviceHello(state, command, context);
    case "deviceDisconnected": return deviceDisconnected(state, context);
    case "deviceAccepted": return deviceAccepted(state, command, context);
    case "deviceProgress": return deviceProgress(state, command, context);
    case "deviceResult": return deviceResult(state, command, context);
    case "deviceFailed": return deviceFailed(state, command, context);
    case "deviceReady": return deviceReady(state);
    case "deviceHeartbeat": return ok(state);
    case "tick": return tick(state, context);
    default: return ok(state); // queue and availability commands: reduce.ts
  }
}
