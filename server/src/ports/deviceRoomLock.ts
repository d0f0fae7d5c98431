/**
 * One room per device in the whole cluster: a room takes its device's lock before it comes
 * into being and gives it back when it is disposed. Whatever matchmaking route a client
 * uses, and whichever process it reaches, a second room for the same device cannot be
 * created while the first holds the lock.
 *
 * The lock is a lease: it expires `ttlMs` after it was taken or last renewed, so a process
 * that dies (SIGKILL, a lost machine) cannot hold its devices' rooms hostage. The owning
 * process renews the leases of its live rooms (rooms/cluster/deviceRoomLeases.ts); a room whose
 * lease could not be renewed in time stops serving its device (docs/SCALING.md, "Failover").
 *
 * Two adapters, one conformance suite (`test/conformance/deviceRoomLock.cases.ts`):
 * `adapters/local/` for a single process, `adapters/redis/` for a cluster.
 */
export interface DeviceRoomLock {
  /** True when `holder` now holds the lock for `deviceId` for `ttlMs`; false when someone else holds it. */
  acquire(deviceId: string, holder: string, ttlMs: number): Promise<boolean>;
  /**
   * Extends the holder's leases by `ttlMs` from now, all in one round trip. Returns the
   * device ids whose lock `holder` no longer holds (it expired, or someone else took it).
   */
  renew(leases: readonly { deviceId: string; holder: string }[], ttlMs: number): Promise<string[]>;
  /** Gives the lock back; only its holder's release counts. */
  release(deviceId: string, holder: string): Promise<void>;
  /** Who holds the lock now, if anyone. */
  holder(deviceId: string): Promise<string | null>;
}
