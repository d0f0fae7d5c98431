/**
 * Puts a live room's matchmaking listing back when Colyseus removed it.
 *
 * When a process misses one health-check ping (it stalled for a couple of seconds, or its
 * Redis link hiccupped), Colyseus' matchmaker in another process declares it dead and
 * deletes the listings of all its rooms (`RedisDriver.cleanup`) — while the rooms live on
 * (Colyseus issue #968). For Baton that would be worse than a hidden lobby: the device's
 * room still holds its lock, so nobody could join it *and* nobody could create another —
 * the device would be unreachable for new viewers until its room went away. So after each
 * renewal of its lock (deviceRoomLeases.ts), a room checks that its listing is there and
 * writes it again if not: a wrongly evicted room is findable again within a third of
 * BATON_ROOM_LOCK_TTL_MS. A room that has begun to dispose is never re-listed (the state
 * check and the write happen in one turn, so the dispose's delete is sent after it).
 */
import { matchMaker, type IRoomCache, type Room } from "@colyseus/core";

/** Colyseus' `RoomInternalState.CREATED`: created and not disposing. */
const CREATED = 1;

export async function keepListed(room: Room): Promise<void> {
  const internals = room as unknown as { _listing?: IRoomCache; _internalState: number };
  const listing = internals._listing;
  if (!listing?.roomId || internals._internalState !== CREATED) return;
  try {
    if (await matchMaker.driver.has(listing.roomId)) return;
    if (internals._internalState !== CREATED) return;
    await matchMaker.driver.persist(listing);
  } catch {
    // Redis unreachable: the next renewal tries again (and the lease decides whether the room lives).
  }
}
