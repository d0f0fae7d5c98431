/**
 * Every timer of a session, expressed as a deadline computed from the state and the
 * configured timers. The room arms one wall-clock timer for the earliest deadline and sends
 * `tick` when it fires; tests move a fake clock instead of sleeping. An idle room has no
 * deadline and therefore no timer at all.
 */
import { EndReason, type EndReasonName } from "@baton/protocol";
import type { CoreState, SessionTimers } from "./types.ts";

export type DeadlineKind = EndReasonName | "run_timeout" | "device_silent";

export interface Deadline {
  at: number;
  kind: DeadlineKind;
}

/** All deadlines that apply now, unordered. */
export function activeDeadlines(state: CoreState, timers: SessionTimers): Deadline[] {
  const deadlines: Deadline[] = [];
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

/** The earliest deadline, or null when nothing is pending (the room then holds no timer). */
export function nextDeadline(state: CoreState, timers: SessionTimers): Deadline | null {
  let earliest: Deadline | null = null;
  for (const deadline of activeDeadlines(state, timers)) {
    if (!earliest || deadline.at < earliest.at) earliest = deadline;
  }
  return earliest;
}

/** Priority when several deadlines have passed at one tick: the cause that came first in the world wins. */
export function dueDeadline(state: CoreState, timers: SessionTimers, now: number): Deadline | null {
  const due = activeDeadlines(state, timers).filter((deadline) => deadline.at <= now);
  due.sort((a, b) => a.at - b.at);
  return due[0] ?? null;
}
