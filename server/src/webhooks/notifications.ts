/**
 * Which lifecycle events become webhook notifications, and what each one says. Pure.
 * Notifications carry ids and reasons, never run inputs or outputs: `result.ready` tells a
 * receiver to fetch the result through the HTTP API with the holder's or an admin's token.
 */
import { EndReason } from "@baton/protocol";
import { WebhookEvent, type WebhookNotification } from "@baton/protocol/http";
import type { LifecycleEvent } from "../events/lifecycle.ts";

/** The event names and the body of each notification are wire types (`@baton/protocol/http`). */
export { WebhookEvent, type WebhookEventName } from "@baton/protocol/http";
export type Notification = WebhookNotification;

export function notificationsFor(event: LifecycleEvent): Notification[] {
  const base = { deviceId: event.deviceId, at: event.at };
  switch (event.type) {
    case "device.connected": return [{ ...base, type: WebhookEvent.DEVICE_ONLINE, data: { firmware: event.firmware } }];
    case "device.disconnected": return [{ ...base, type: WebhookEvent.DEVICE_OFFLINE, data: {} }];
    case "session.ended": return [
      { ...base, type: WebhookEvent.SESSION_ENDED, data: { epoch: event.epoch, userId: event.userId, reason: event.reason } },
      // A hand-over to a named user ends one session and starts the next in one step: never free.
      ...(event.reason === EndReason.HANDED_OVER ? [] : [{ ...base, type: WebhookEvent.DEVICE_FREE, data: { epoch: event.epoch } }]),
    ];
    case "run.completed": return [{ ...base, type: WebhookEvent.RESULT_READY, data: { epoch: event.epoch, runId: event.runId, userId: event.userId, sessionType: event.sessionType } }];
    case "handoff.offered": return [{ ...base, type: WebhookEvent.YOUR_TURN, data: { userId: event.userId, expiresAt: event.expiresAt } }];
    case "session.expiring": return [{ ...base, type: WebhookEvent.SESSION_EXPIRING, data: { epoch: event.epoch, userId: event.userId, expiresAt: event.expiresAt } }];
    case "device.availability": return [{ ...base, type: WebhookEvent.DEVICE_AVAILABILITY, data: { status: event.status, previous: event.previous, reason: event.reason, by: event.by } }];
    case "booking.starting": return [{ ...base, type: WebhookEvent.BOOKING_STARTING, data: { bookingId: event.bookingId, userId: event.userId, start: event.start, end: event.end, holderId: event.holderId } }];
    case "booking.lapsed": return event.counted ? [{ ...base, type: WebhookEvent.BOOKING_NO_SHOW, data: { bookingId: event.bookingId, userId: event.userId, start: event.start, end: event.end } }] : [];
    default: return [];
  }
}
