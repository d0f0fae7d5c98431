/**
 * The device room's effect runner for the queue's effects (session/types.ts `QueueEffect`):
 * the messages waiting users get, and the durable record of the device's availability.
 * Split from DeviceRoom.ts so the room stays an adapter; lifecycle events for these effects
 * come from events/fromEffects.ts like every other.
 */
import { RoomToUser } from "@baton/protocol";
import type { OfferMessage, QueueLeftMessage } from "@baton/protocol";
import { AuditAction, type AuditEntry } from "../../ports/store.ts";
import type { QueueEffect } from "../../session/index.ts";
import type { RoomServices } from "../services.ts";

export interface QueueEffectContext {
  deviceId: string;
  at: number;
  services: RoomServices;
  /** Sends once the transition is committed (DeviceRoom's runner orders it with the rest). */
  sendToUser(userId: string, type: string, payload: unknown): void;
  /** Audit entries committed with the transition. */
  audit: AuditEntry[];
  /** A write of its own after the transition's commit (availability lives in its own table). */
  afterCommit(write: () => Promise<unknown>): void;
}

export function carryOutQueueEffect(effect: QueueEffect, context: QueueEffectContext): void {
  const { deviceId, at, services } = context;
  switch (effect.type) {
    case "handoffOffered": {
      const offer: OfferMessage = { deviceId, expiresAt: effect.expiresAt, windowMs: effect.windowMs };
      context.sendToUser(effect.user.userId, RoomToUser.OFFER, offer);
      break;
    }
    case "queueLeft": {
      const message: QueueLeftMessage = { deviceId, reason: effect.reason, message: effect.message };
      context.sendToUser(effect.user.userId, RoomToUser.QUEUE_LEFT, message);
      break;
    }
    case "availabilityChanged": {
      const { status, reason, since, by } = effect.availability;
      context.audit.push({ at, actor: by || "system", action: AuditAction.AVAILABILITY, deviceId, detail: { status, previous: effect.previous, reason } });
      context.afterCommit(() => services.store.availability.set({ deviceId, status, reason, since, by }));
      break;
    }
    // Seen through the state (seat, device.ready) and lifecycle events only.
    case "queueJoined":
    case "handoffWithdrawn":
    case "deviceNotReady":
    case "deviceReadyAgain":
      break;
  }
}

/** Whether an effect belongs to the queue family (handled here, not in DeviceRoom's runner). */
export function isQueueEffect(effect: { type: string }): effect is QueueEffect {
  return QUEUE_EFFECTS.has(effect.type);
}

const QUEUE_EFFECTS = new Set<string>(["queueJoined", "queueLeft", "handoffOffered", "handoffWithdrawn", "deviceNotReady", "deviceReadyAgain", "availabilityChanged"]);
