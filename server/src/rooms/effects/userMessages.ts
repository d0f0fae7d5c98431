/**
 * The payloads the effect runner sends to users for the core's effects (moved out of
 * DeviceRoom.ts, queueEffects.ts and leaseEffects.ts; the sentences are unchanged).
 */
import { EndReason, type HandOverEndedMessage, type HandOverOfferedMessage, type OfferMessage, type QueueLeftMessage, type SessionExpiringMessage, type SessionExtendedMessage } from "@baton/protocol";
import type { Effect, HandoverEffect, LeaseEffect, QueueEffect } from "../../session/index.ts";

/** The sentence a holder gets with `session_ended`. */
export function endMessage(deviceId: string, effect: Extract<Effect, { type: "sessionEnded" }>): string {
  if (effect.reason === EndReason.KICKED) {
    return `An admin (${effect.by?.name ?? "unknown"}) took device ${deviceId} back: ${effect.note || "no reason given"}.`;
  }
  if (effect.reason === EndReason.HANDED_OVER) {
    return `You handed device ${deviceId} over; the session is no longer yours.`;
  }
  return `Your session on device ${deviceId} ended (${effect.reason}).`;
}

export function handOverOffered(deviceId: string, effect: Extract<HandoverEffect, { type: "handoverOffered" }>): HandOverOfferedMessage {
  return { deviceId, epoch: effect.epoch, from: { ...effect.from }, expiresAt: effect.expiresAt, windowMs: effect.windowMs };
}

export function handOverEnded(deviceId: string, effect: Extract<HandoverEffect, { type: "handoverEnded" }>): HandOverEndedMessage {
  return { deviceId, epoch: effect.epoch, reason: effect.reason, message: effect.message, from: { ...effect.from }, to: { ...effect.to } };
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
