/**
 * Who may be granted the device as a *new* holder, whether by `claim` or by a hand-off.
 * One place for the rule, so the queue can never hand over what a claim could not take:
 * never while the device is drained, quarantined or in maintenance, never while it owes a
 * `ready` after the last session (physical hand-over), never while offline.
 */
import { DeviceAvailability, ErrorCode } from "@baton/protocol";
import { rejection } from "./rejection.ts";
import type { CoreState, Rejection } from "./types.ts";

/**
 * Why nobody new may take the device now, or null. `admin`: an admin may claim a
 * quarantined device — to run its health check (availability.ts).
 */
export function grantBlocker(state: CoreState, options: { admin?: boolean } = {}): Rejection | null {
  if (state.disabled) return disabledRejection(state);
  const availability = state.availability;
  if (availability.status !== DeviceAvailability.AVAILABLE && !(options.admin && availability.status === DeviceAvailability.QUARANTINED)) {
    return rejection(ErrorCode.DEVICE_UNAVAILABLE, { deviceId: state.deviceId, status: availability.status, reason: availability.reason || null, request: "claim" });
  }
  if (state.awaitingReadySince > 0) {
    return rejection(ErrorCode.DEVICE_NOT_READY, { deviceId: state.deviceId });
  }
  return null;
}

/** A disabled device (the registry): nobody at all may have it, not even an admin. */
export function disabledRejection(state: CoreState): Rejection {
  return rejection(ErrorCode.DEVICE_DISABLED, { deviceId: state.deviceId });
}

/** Whether the first in line may be offered the device now. */
export function canOffer(state: CoreState): boolean {
  return !state.session && !state.offer && state.device.online && state.queue.length > 0 && grantBlocker(state) === null;
}

/**
 * Whether a claim by someone new would be granted now (pools ask devices that are: see
 * rooms/cluster/poolLink.ts). Free, online, grantable, and nobody in the device's own line — which
 * goes first: a pool never takes a device from people waiting for that very device.
 */
export function isFreeForNewHolder(state: CoreState): boolean {
  return !state.session && !state.offer && state.queue.length === 0 && state.device.online && grantBlocker(state) === null;
}
