/**
 * Restart recovery, as a pure function: the state a newly created room starts from, given
 * the device's last stored state. Used for a room created after a restart, after the room
 * was disposed, or in another process.
 */
import { DeviceConnection } from "@baton/protocol";
import { withQueueDefaults } from "./line.ts";
import type { CoreState } from "./types.ts";

/**
 * The same epoch, holder, run in flight and hard deadlines as stored. Nobody is connected
 * to a room that was just created, so the device counts as offline and the holder as away
 * *from now*: their grace periods start when the room exists (the downtime was not their
 * doing), and the session survives only if they come back within them. The owner's idle
 * clock restarts for the same reason.
 */
export function restoreForNewRoom(stored: CoreState, now: number): CoreState {
  // A state stored before the queue existed has none of its fields.
  const snapshot = withQueueDefaults(stored);
  const session = snapshot.session
    ? { ...snapshot.session, ownerLostAt: now, lastActivity: Math.max(snapshot.session.lastActivity, now) }
    : null;
  const device = { ...snapshot.device, online: false, since: now, connection: DeviceConnection.DISCONNECTED };
  // The line survives too, by the same rule: every waiting user is away from now and keeps
  // their place for the reconnect grace. An open offer goes back to the head of the line —
  // the device is offline now — and is made again once the device is back.
  const away = (entry: CoreState["queue"][number]) => ({ ...entry, lostAt: entry.lostAt > 0 ? entry.lostAt : now });
  const queue = [...(snapshot.offer ? [snapshot.offer.entry] : []), ...snapshot.queue].map(away);
  return { ...snapshot, session, device, queue, offer: null };
}
