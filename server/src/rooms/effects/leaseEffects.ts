/**
 * The device room's effect runner for the lease's effects (session/types.ts `LeaseEffect`):
 * the holder is told, on every connection, that the session is about to expire or was
 * extended. Lifecycle events (and thus the `session.expiring` webhook) come from
 * events/fromEffects.ts like every other.
 */
import { RoomToUser, type SessionExpiringMessage, type SessionExtendedMessage } from "@baton/protocol";
import type { LeaseEffect } from "../../session/index.ts";

export function carryOutLeaseEffect(effect: LeaseEffect, deviceId: string, sendToUser: (userId: string, type: string, payload: unknown) => void): void {
  if (effect.type === "sessionExpiring") {
    const inMs = Math.max(0, effect.expiresAt - Date.now());
    const message: SessionExpiringMessage = {
      deviceId, epoch: effect.epoch, expiresAt: effect.expiresAt, canExtendMs: effect.canExtendMs,
      message: `Your session on device ${deviceId} ends at ${new Date(effect.expiresAt).toISOString()} (in about ${Math.ceil(inMs / 1000)} s)${effect.canExtendMs > 0 ? `; send \`extend\` to add up to ${effect.canExtendMs} ms` : "; it cannot be extended further"}.`,
    };
    sendToUser(effect.holder.userId, RoomToUser.SESSION_EXPIRING, message);
    return;
  }
  const message: SessionExtendedMessage = { deviceId, epoch: effect.epoch, expiresAt: effect.expiresAt, extendedMs: effect.extendedMs, canExtendMs: effect.canExtendMs };
  sendToUser(effect.holder.userId, RoomToUser.SESSION_EXTENDED, message);
}

export function isLeaseEffect(effect: { type: string }): effect is LeaseEffect {
  return effect.type === "sessionExpiring" || effect.type === "sessionExtended";
}
