/**
 * Which core effects are lifecycle events, and what each one says. Pure; the room emits
 * what this returns after carrying out the effect itself.
 */
import type { Effect } from "../session/index.ts";
import type { LifecycleEvent } from "./lifecycle.ts";

/** `holderId`: who held the device when these effects were produced (run events name them). */
export function lifecycleEventFor(effect: Effect, deviceId: string, at: number, firmware: string, holderId: string): LifecycleEvent | null {
  switch (effect.type) {
    case "sessionStarted": return { type: "session.started", deviceId, epoch: effect.epoch, userId: effect.holder.userId, at };
    case "sessionEnded": return { type: "session.ended", deviceId, epoch: effect.epoch, userId: effect.holder.userId, reason: effect.reason, at };
    case "runStarted": return { type: "run.started", deviceId, epoch: effect.epoch, runId: effect.runId, userId: effect.userId, sessionType: effect.sessionType, at };
    case "runCompleted": return { type: "run.completed", deviceId, epoch: effect.epoch, runId: effect.runId, userId: holderId, sessionType: effect.sessionType, durationMs: effect.durationMs, at };
    case "runFailed": return { type: "run.failed", deviceId, epoch: effect.epoch, runId: effect.runId, userId: holderId, sessionType: effect.sessionType, code: effect.code, message: effect.message, at };
    case "orphanedResult": return { type: "result.orphaned", deviceId, epoch: effect.epoch, runId: effect.runId, reason: effect.reason, at };
    case "deviceOnline": return { type: "device.connected", deviceId, firmware, at };
    case "deviceOffline": return { type: "device.disconnected", deviceId, at };
    case "deviceError": return { type: "device.error", deviceId, code: effect.code, message: effect.message, at };
    case "queueJoined": return { type: "queue.joined", deviceId, userId: effect.user.userId, position: effect.position, at };
    case "queueLeft": return { type: "queue.left", deviceId, userId: effect.user.userId, reason: effect.reason, at };
    case "handoffOffered": return { type: "handoff.offered", deviceId, userId: effect.user.userId, expiresAt: effect.expiresAt, at };
    case "sessionExpiring": return { type: "session.expiring", deviceId, epoch: effect.epoch, userId: effect.holder.userId, expiresAt: effect.expiresAt, at };
    case "sessionExtended": return { type: "session.extended", deviceId, epoch: effect.epoch, userId: effect.holder.userId, expiresAt: effect.expiresAt, extendedMs: effect.extendedMs, at };
    case "handoffWithdrawn": return { type: "handoff.withdrawn", deviceId, userId: effect.user.userId, at };
    case "deviceNotReady": return { type: "device.not_ready", deviceId, at };
    case "deviceReadyAgain": return { type: "device.ready", deviceId, waitedMs: effect.waitedMs, at };
    case "availabilityChanged": {
      const { status, reason, by } = effect.availability;
      return { type: "device.availability", deviceId, status, previous: effect.previous, reason, by, at };
    }
    case "bookingStarting": return { type: "booking.starting", deviceId, bookingId: effect.bookingId, userId: effect.booker.userId, start: effect.start, end: effect.end, holderId: effect.holder?.userId ?? null, at };
    case "bookingCheckedIn": return { type: "booking.checked_in", deviceId, bookingId: effect.bookingId, userId: effect.booker.userId, at };
    case "bookingLapsed": return { type: "booking.lapsed", deviceId, bookingId: effect.bookingId, userId: effect.booker.userId, start: effect.start, end: effect.end, counted: effect.counted, at };
    default: return null;
  }
}
