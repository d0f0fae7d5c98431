/**
 * Restart recovery, as a pure function: the state a newly created room starts from, given
 * the device's last stored state. Used for a room created after a restart, after the room
 * was disposed, or in another process.
 */
import { DeviceConnection } from "@baton/protocol";
import { withQueueDefaults } from "./line.ts";
import type { CoreState, SessionRecord, SessionTimers } from "./types.ts";

/**
 * The same epoch, holder, run in flight and hard deadlines as stored. Nobody is connected
 * to a room that was just created, so the device counts as offline and the holder as away
 * *from now*: their grace periods start when the room exists (the downtime was not their
 * doing), and the session survives only if they come back within them. The owner's idle
 * clock restarts for the same reason.
 *
 * With `timers`, the outage rule (docs/PROTOCOL.md, "Server restarts and outages") also moves
 * the deadlines that fell while the server was down: see `outageDeadlines`.
 */
export function restoreForNewRoom(stored: CoreState, now: number, timers?: Pick<SessionTimers, "deviceGraceMs" | "ownerReconnectGraceMs">): CoreState {
  // A state stored before the queue existed has none of its fields.
  const snapshot = withQueueDefaults(stored);
  const restoredSession = snapshot.session
    ? { ...snapshot.session, ownerLostAt: now, lastActivity: Math.max(snapshot.session.lastActivity, now) }
    : null;
  const session = restoredSession && timers ? outageDeadlines(restoredSession, now, timers) : restoredSession;
  const device = { ...snapshot.device, online: false, since: now, connection: DeviceConnection.DISCONNECTED };
  // The line survives too, by the same rule: every waiting user is away from now and keeps
  // their place for the reconnect grace. An open offer goes back to the head of the line —
  // the device is offline now — and is made again once the device is back.
  const away = (entry: CoreState["queue"][number]) => ({ ...entry, lostAt: entry.lostAt > 0 ? entry.lostAt : now });
  const queue = [...(snapshot.offer ? [snapshot.offer.entry] : []), ...snapshot.queue].map(away);
  // A hand-over to a named user lives only while its holder is here (session/handover.ts); the
  // holder is away from now, so the restored room starts without it.
  const restored: CoreState = { ...snapshot, session, device, queue, offer: null };
  if (restored.handover) restored.handover = null;
  return restored;
}

/**
 * Time the server was down is not the device's fault, nor the owner's. A run's deadlines
 * that passed during the outage, or would pass before the device's grace is over, are moved
 * to the end of the device's grace counted from the room's return (`now`): a restored room
 * waits for its device before it judges a run, and a device that comes back within its grace
 * with the run's result (held while the server was away) has it credited. The session's own
 * cap (`expiresAt`) is moved likewise to the end of the longer of the two graces, so the
 * owner can come back for the session and its result. Deadlines further away are unchanged;
 * nothing is ever moved earlier.
 */
export function outageDeadlines(session: SessionRecord, now: number, timers: Pick<SessionTimers, "deviceGraceMs" | "ownerReconnectGraceMs">): SessionRecord {
  const deviceBack = now + timers.deviceGraceMs;
  const bothBack = now + Math.max(timers.deviceGraceMs, timers.ownerReconnectGraceMs);
  const run = session.run
    ? { ...session.run, hardDeadline: Math.max(session.run.hardDeadline, deviceBack), stepDeadline: Math.max(session.run.stepDeadline, deviceBack) }
    : null;
  const expiresAt = session.expiresAt > 0 ? Math.max(session.expiresAt, bothBack) : 0;
  return { ...session, run, expiresAt };
}
