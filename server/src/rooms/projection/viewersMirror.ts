/**
 * Who is watching, for the holder alone (issue 24: "Hand over to…" picks from them): the
 * other users with a connection in the room, as `[{ userId, name }]` JSON in `OwnerData`,
 * which only the holder's connections have in view. Spectators never learn who else watches.
 * Bounded, so a crowded room costs a constant amount per join.
 */
import type { DeviceRoomState } from "@baton/protocol/state";

/** The most viewers listed; the holder can still type any user id. */
export const MAX_LISTED_VIEWERS = 50;

export interface Viewer {
  userId: string;
  name: string;
}

/** Writes the viewers other than the holder into the owner data; returns whether it changed. */
export function mirrorViewers(state: DeviceRoomState, holderId: string | null, users: Iterable<Viewer>): boolean {
  const listed: Viewer[] = [];
  if (holderId) {
    for (const user of users) {
      if (user.userId === holderId) continue;
      listed.push({ userId: user.userId, name: user.name });
      if (listed.length >= MAX_LISTED_VIEWERS) break;
    }
  }
  listed.sort((a, b) => a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId));
  const json = JSON.stringify(listed);
  if (state.owner.viewers === json) return false;
  state.owner.viewers = json;
  return true;
}
