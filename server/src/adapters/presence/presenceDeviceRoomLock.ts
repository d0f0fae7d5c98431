/**
 * DeviceRoomLock over a Colyseus Presence (LocalPresence in one process, RedisPresence in a
 * cluster). Acquisition is an atomic `incr` of the device's counter: the caller that brings
 * it from 0 to 1 wins and records itself as the holder; everyone else sees more than 1 and
 * has lost. Release removes both keys, but only for the holder, so a room whose creation
 * failed (and that Colyseus then disposes) cannot release a lock it never had.
 *
 * No expiry yet: with LocalPresence a lock dies with its process. For a cluster, a dead
 * process's lock must expire (TTL with renewal) — the scale-out work adds that.
 */
import type { Presence } from "@colyseus/core";
import type { DeviceRoomLock } from "../../ports/deviceRoomLock.ts";

const counterKey = (deviceId: string) => `baton:device-room:${deviceId}`;
const holderKey = (deviceId: string) => `baton:device-room-holder:${deviceId}`;

export class PresenceDeviceRoomLock implements DeviceRoomLock {
  constructor(private readonly presence: Presence) {}

  async acquire(deviceId: string, holder: string): Promise<boolean> {
    const count = await this.presence.incr(counterKey(deviceId));
    if (count !== 1) return false;
    await this.presence.set(holderKey(deviceId), holder);
    return true;
  }

  async release(deviceId: string, holder: string): Promise<void> {
    if ((await this.presence.get(holderKey(deviceId))) !== holder) return;
    await this.presence.del(holderKey(deviceId));
    await this.presence.del(counterKey(deviceId));
  }

  async holder(deviceId: string): Promise<string | null> {
    return (await this.presence.get(holderKey(deviceId))) ?? null;
  }
}
