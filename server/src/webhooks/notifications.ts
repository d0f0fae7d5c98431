/**
 * Which lifecycle events become webhook notifications, and what each one says. Pure.
 * Notifications carry ids and reasons, never run inputs or outputs: `result.ready` tells a
 * receiver to fetch the result through the HTTP API with the holder's or an admin's token.
 */
import type { LifecycleEvent } from "../events/lifecycle.ts";

export const WebhookEvent = {
  DEVICE_ONLINE: "device.online",
  DEVICE_OFFLINE: "device.offline",
  DEVICE_FREE: "device.free",
  SESSION_ENDED: "session.ended",
  RESULT_READY: "result.ready",
  /** The device is offered to the first in line: "your turn" (data: userId, expiresAt). */
  YOUR_TURN: "queue.your_turn",
  /** Drained, quarantined, maintenance or back in service (data: status, previous, reason, by): for admins. */
  DEVICE_AVAILABILITY: "device.availability",
  /** The holder's session ends soon unless extended (data: epoch, userId, expiresAt): "you are about to lose the device". */
  SESSION_EXPIRING: "session.expiring",
} as const;
export type WebhookEventName = (typeof WebhookEvent)[keyof typeof WebhookEvent];

export interface Notification {
  type: WebhookEventName;
  deviceId: string;
  /** ms since the Unix epoch, when it happened. */
  at: number;
  data: Record<string, unknown>;
}

export function notificationsFor(event: LifecycleEvent): Notification[] {
  const base = { deviceId: event.deviceId, at: event.at };
  switch (event.type) {
    case "device.connected": return [{ ...base, type: WebhookEvent.DEVICE_ONLINE, data: { firmware: event.firmware } }];
    case "device.disconnected": return [{ ...base, type: WebhookEvent.DEVICE_OFFLINE, data: {} }];
    case "session.ended": return [
      { ...base, type: WebhookEvent.SESSION_ENDED, data: { epoch: event.epoch, userId: event.userId, reason: event.reason } },
      { ...base, type: WebhookEvent.DEVICE_FREE, data: { epoch: event.epoch } },
    ];
    case "run.completed": return [{ ...base, type: WebhookEvent.RESULT_READY, data: { epoch: event.epoch, runId: event.runId, userId: event.userId, sessionType: event.sessionType } }];
    case "handoff.offered": return [{ ...base, type: WebhookEvent.YOUR_TURN, data: { userId: event.userId, expiresAt: event.expiresAt } }];
    case "session.expiring": return [{ ...base, type: WebhookEvent.SESSION_EXPIRING, data: { epoch: event.epoch, userId: event.userId, expiresAt: event.expiresAt } }];
    case "device.availability": return [{ ...base, type: WebhookEvent.DEVICE_AVAILABILITY, data: { status: event.status, previous: event.previous, reason: event.reason, by: event.by } }];
    default: return [];
  }
}
