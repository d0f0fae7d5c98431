/**
 * The payloads the effect runner sends to users for the core's effects (moved out of
 * DeviceRoom.ts, queueEffects.ts and leaseEffects.ts; the sentences are unchanged).
 */
import { EndReason, type BookingStartingMessage, type HandOverEndedMessage, type HandOverOfferedMessage, type OfferMessage, type QueueLeftMessage, type SessionExpiringMessage, type SessionExtendedMessage } from "@baton/protocol";
import type { BookingEffect, Effect, HandoverEffect, LeaseEffect, QueueEffect } from "../../session/index.ts";

/** The sentence a holder gets with `session_ended`. */
export function endMessage(deviceId: string, effect: Extract<Effect, { type: "sessionEnded" }>): string {
  if (effect.reason === EndReason.KICKED) {
    return `An admin (${effect.by?.name ?? "unknown"}) took device ${deviceId} back: ${effect.note || "no reason given"}.`;
  }
  if (effect.reason === EndReason.HANDED_OVER) {
    return `You handed device ${deviceId} over; the session is no longer yours.`;
  }
  if (effect.reason === EndReason.BOOKING) {
    return `Your session on device ${deviceId} ended: the device is booked from now by someone else (end reason booking).`;
  }
  return `Your session on device ${deviceId} ended (${effect.reason}).`;
}

export function handOverOffered(deviceId: string, effect: Extract<HandoverEffect, { type: "handoverOffered" }>): HandOverOfferedMessage {
  return { deviceId, epoch: effect.epoch, from: { ...effect.from }, expiresAt: effect.expiresAt, windowMs: effect.windowMs };
}

export function handOverEnded(deviceId: string, effect: Extract<HandoverEffect, { type: "handoverEnded" }>): HandOverEndedMessage {
  return { deviceId, epoch: effect.epoch, reason: effect.reason, message: effect.message, from: { ...effect.from }, to: { ...effect.to } };
}

/** `booking_starting` for the booker (`yours`) or for someone else holding the device. */
export function bookingStarting(deviceId: string, effect: Extract<BookingEffect, { type: "bookingStarting" }>, yours: boolean): BookingStartingMessage {
  const start = new Date(effect.start).toISOString();
  const message = yours
    ? `Your booking of device ${deviceId} starts at ${start}; claim the device between then and ${new Date(effect.checkInUntil).toISOString()} to check in, or the slot goes to the line and counts as a no-show.`
    : `Device ${deviceId} is booked by ${effect.booker.name || "someone"} from ${start} to ${new Date(effect.end).toISOString()}; your session ends at ${start} (end reason booking).`;
  return { deviceId, bookingId: effect.bookingId, start: effect.start, end: effect.end, checkInUntil: effect.checkInUntil, bookerName: effect.booker.name, yours, message };
}

export function handoffOffer(deviceId: string, effect: Extract<QueueEffect, { type: "handoffOffered" }>): OfferMessage {
  return { deviceId, expiresAt: effect.expiresAt, windowMs: effect.windowMs };
}

export function queueLeft(deviceId: string, effect: Extract<QueueEffect, { type: "queueLeft" }>): QueueLeftMessage {
  return { deviceId, reason: effect.reason, message: effect.message };
}

export function sessionExpiring(deviceId: string, effect: Extract<LeaseEffect, { type: "sessionExpiring" }>): SessionExpiringMessage {
  const inMs = Math.max(0, effect.expiresAt - Date.now());
  return {
    deviceId, epoch: effect.epoch, expiresAt: effect.expiresAt, canExtendMs: effect.canExtendMs,
    message: `Your session on device ${deviceId} ends at ${new Date(effect.expiresAt).toISOString()} (in about ${Math.ceil(inMs / 1000)} s)${effect.canExtendMs > 0 ? `; send \`extend\` to add up to ${effect.canExtendMs} ms` : "; it cannot be extended further"}.`,
  };
}

export function sessionExtended(deviceId: string, effect: Extract<LeaseEffect, { type: "sessionExtended" }>): SessionExtendedMessage {
  return { deviceId, epoch: effect.epoch, expiresAt: effect.expiresAt, extendedMs: effect.extendedMs, canExtendMs: effect.canExtendMs };
}
