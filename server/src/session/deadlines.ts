/**
 * Every timer of a session, expressed as a deadline computed from the state and the
 * configured timers. The room arms one wall-clock timer for the earliest deadline and sends
 * `tick` when it fires; tests move a fake clock instead of sleeping. An idle room has no
 * deadline and therefore no timer at all.
 */
import { EndReason, type EndReasonName } from "@baton/protocol";
import type { CoreState, SessionTimers } from "./types.ts";
import { nextLostDeadline } from "./queue.ts";
import { readyDeadline } from "./readiness.ts";
import { leaseDeadlines, type LeaseDeadlineKind } from "./lease.ts";
import { handoverDeadlines, type HandoverDeadlineKind } from "./handover.ts";
import { bookingDeadlines, type BookingDeadlineKind } from "./bookings/slots.ts";

/** The session's own deadlines, then those of the line and the physical hand-over (session/reduce.ts fires these). */
export type DeadlineKind = SessionDeadlineKind | WaitDeadlineKind | LeaseDeadlineKind | HandoverDeadlineKind | BookingDeadlineKind;
export type SessionDeadlineKind = EndReasonName | "run_timeout" | "device_silent";
export type WaitDeadlineKind = "offer_expired" | "queue_lost" | "ready_timeout";

export interface Deadline<Kind extends DeadlineKind = DeadlineKind> {
  at: number;
  kind: Kind;
}

/** All deadlines that apply now, unordered. */
export function activeDeadlines(state: CoreState, timers: SessionTimers): Deadline<SessionDeadlineKind>[] {
  const deadlines: Deadline<SessionDeadlineKind>[] = [];
  // Only while a session is in flight: an idle device is left to WebSocket ping/pong, so an
  // idle room holds no timer at all.
  const session = state.session;
  if (!session) return deadlines;
  if (state.device.online && timers.deviceSilenceTimeoutMs > 0) {
    // The window opens no earlier than the session: a device that was quiet while idle
    // (as it may be) is not declared hung the moment someone claims it.
    const since = Math.max(state.device.lastSeenAt, session.startedAt);
    deadlines.push({ at: since + timers.deviceSilenceTimeoutMs, kind: "device_silent" });
  }
  if (session.ownerLostAt > 0) {
    deadlines.push({ at: session.ownerLostAt + timers.ownerReconnectGraceMs, kind: EndReason.OWNER_LOST });
  }
  if (!state.device.online) {
    deadlines.push({ at: state.device.since + timers.deviceGraceMs, kind: EndReason.DEVICE_LOST });
  }
  if (session.expiresAt > 0) {
    deadlines.push({ at: session.expiresAt, kind: EndReason.MAX_DURATION });
  }
  const run = session.run;
  // While the device is offline its grace period governs; a run cannot make progress then.
  if (run && state.device.online) {
    deadlines.push({ at: Math.min(run.stepDeadline, run.hardDeadline), kind: "run_timeout" });
  }
  if (!run && timers.ownerIdleTimeoutMs > 0) {
    deadlines.push({ at: session.lastActivity + timers.ownerIdleTimeoutMs, kind: EndReason.IDLE_TIMEOUT });
  }
  return deadlines;
}

/**
 * Deadlines of the line and the hand-over, which run whether or not a session is in flight:
 * an open offer's window, a waiting user's reconnect grace, a `ready` owed too long.
 */
export function waitDeadlines(state: CoreState, timers: SessionTimers): Deadline<WaitDeadlineKind>[] {
  const deadlines: Deadline<WaitDeadlineKind>[] = [];
  if (state.offer) deadlines.push({ at: state.offer.expiresAt, kind: "offer_expired" });
  const lost = nextLostDeadline(state, timers);
  if (lost !== null) deadlines.push({ at: lost, kind: "queue_lost" });
  const ready = readyDeadline(state, timers);
  if (ready !== null) deadlines.push({ at: ready, kind: "ready_timeout" });
  return deadlines;
}

/** The earliest deadline, or null when nothing is pending (the room then holds no timer). */
export function nextDeadline(state: CoreState, timers: SessionTimers): Deadline | null {
  let earliest: Deadline | null = null;
  for (const deadline of [...activeDeadlines(state, timers), ...waitDeadlines(state, timers), ...leaseDeadlines(state, timers), ...handoverDeadlines(state), ...bookingDeadlines(state)]) {
    if (!earliest || deadline.at < earliest.at) earliest = deadline;
  }
  return earliest;
}

/** Priority when several deadlines have passed at one tick: the cause that came first in the world wins. */
export function dueDeadline(state: CoreState, timers: SessionTimers, now: number): Deadline<SessionDeadlineKind> | null {
  const due = activeDeadlines(state, timers).filter((deadline) => deadline.at <= now);
  due.sort((a, b) => a.at - b.at);
  return due[0] ?? null;
}
