/**
 * Typed lifecycle events of every device room (seed 001): one interface that logging,
 * metrics and persistence subscribe to. Emitting never throws into the room: a failing
 * listener is reported and skipped.
 */
import type { DeviceAvailabilityName, EndReasonName, QueueExitReasonName } from "@baton/protocol";

export type LifecycleEvent =
  | { type: "session.started"; deviceId: string; epoch: number; userId: string; at: number }
  | { type: "session.ended"; deviceId: string; epoch: number; userId: string; reason: EndReasonName; at: number }
  | { type: "run.started"; deviceId: string; epoch: number; runId: string; userId: string; sessionType: string; at: number }
  | { type: "run.completed"; deviceId: string; epoch: number; runId: string; userId: string; sessionType: string; durationMs: number; at: number }
  | { type: "run.failed"; deviceId: string; epoch: number; runId: string; userId: string; sessionType: string; code: string; message: string; at: number }
  | { type: "result.orphaned"; deviceId: string; epoch: number; runId: string; reason: string; at: number }
  | { type: "device.connected"; deviceId: string; firmware: string; at: number }
  | { type: "device.disconnected"; deviceId: string; at: number }
  | { type: "device.error"; deviceId: string; code: string; message: string; at: number }
  /** A message refused at the room's edge or by the session rules (metrics count them by code). */
  | { type: "command.rejected"; deviceId: string; code: string; at: number }
  | QueueLifecycleEvent
  | FairUseLifecycleEvent
  | BookingLifecycleEvent;

/** Booked slots (issue 24 part 3, session/bookings/schedule.ts). */
export type BookingLifecycleEvent =
  /** The slot begins soon; `holderId`: who holds the device now if not the booker (released at `start`). */
  | { type: "booking.starting"; deviceId: string; bookingId: string; userId: string; start: number; end: number; holderId: string | null; at: number }
  | { type: "booking.checked_in"; deviceId: string; bookingId: string; userId: string; at: number }
  /** The check-in window passed; `counted`: a no-show against the booker (the device could have been claimed). */
  | { type: "booking.lapsed"; deviceId: string; bookingId: string; userId: string; start: number; end: number; counted: boolean; at: number };

/** Fair use (issue 13 item 7): the holder's lease. */
export type FairUseLifecycleEvent =
  /** The session ends at `expiresAt` unless the holder extends it (BATON_SESSION_EXPIRY_WARNING_MS before). */
  | { type: "session.expiring"; deviceId: string; epoch: number; userId: string; expiresAt: number; at: number }
  | { type: "session.extended"; deviceId: string; epoch: number; userId: string; expiresAt: number; extendedMs: number; at: number };

/** The line, the hand-off and the device's availability (issue 13). */
export type QueueLifecycleEvent =
  | { type: "queue.joined"; deviceId: string; userId: string; position: number; at: number }
  /** `reason`: a QueueExitReason (accepted, declined, offer_expired, left, disconnected, device_unavailable). */
  | { type: "queue.left"; deviceId: string; userId: string; reason: QueueExitReasonName; at: number }
  /** "Your turn": the device is offered to `userId` until `expiresAt`. */
  | { type: "handoff.offered"; deviceId: string; userId: string; expiresAt: number; at: number }
  | { type: "handoff.withdrawn"; deviceId: string; userId: string; at: number }
  /** The device owes a `ready` (physical reset) before anyone new may have it. */
  | { type: "device.not_ready"; deviceId: string; at: number }
  | { type: "device.ready"; deviceId: string; waitedMs: number; at: number }
  /** Drained, quarantined, maintenance, or back in service: `by` is an admin's id, or "health" / "readiness". */
  | { type: "device.availability"; deviceId: string; status: DeviceAvailabilityName; previous: DeviceAvailabilityName; reason: string; by: string; at: number };

export type LifecycleListener = (event: LifecycleEvent) => void;

export class LifecycleEvents {
  private readonly listeners = new Set<LifecycleListener>();

  /** `logger`: where a listener that throws is reported (the process's logger; stderr without one). */
  constructor(private readonly logger?: { error(fields: object, message: string): void }) {}

  /** Subscribes; returns the function that unsubscribes. */
  on(listener: LifecycleListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: LifecycleEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        if (this.logger) this.logger.error({ err: error }, `lifecycle listener failed on ${event.type}`);
        else console.error(`lifecycle listener failed on ${event.type}:`, error);
      }
    }
  }
}
