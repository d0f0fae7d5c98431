/**
 * One room per device in the whole cluster: a room takes its device's lock when it is
 * created and gives it back when it is disposed. Whatever matchmaking route a client uses,
 * a second room for the same device cannot come into being while the first holds the lock.
 *
 * One implementation over Colyseus' Presence (`adapters/presence/`), so the same code is
 * process-local with LocalPresence and cluster-wide with RedisPresence; the conformance
 * suite (`test/conformance/deviceRoomLock.cases.ts`) runs against both.
 */
export interface DeviceRoomLock {
  /** True when this caller now holds the lock for `deviceId`; false when someone else does. */
  acquire(deviceId: string, holder: string): Promise<boolean>;
  /** Gives the lock back; only its holder's release counts. */
  release(deviceId: string, holder: string): Promise<void>;
  /** Who holds the lock now, if anyone. */
  holder(deviceId: string): Promise<string | null>;
}
