/**
 * Keeps the room locks (ports/deviceRoomLock.ts) of this process's device rooms alive, and
 * tells a room when its lock is gone.
 *
 * One timer per process, not per room: every third of the TTL all held leases are renewed
 * in one round trip. A lease counts as held until `sentAt + ttl`, where `sentAt` is when
 * its last successful renewal was *sent* — Redis starts the new TTL later than that, so
 * this process always believes it holds a lease no longer than Redis does, and another
 * process can only take the lock after this one has stopped believing it.
 *
 * When a renewal reports a lease lost (it expired while this process stalled, or Redis
 * was unreachable for a whole TTL), the room is told (`onLost`) and stops serving its
 * device; in the meantime `held()` is false, and the room carries out no effect (no store
 * write, no command to the device), so a zombie room cannot act on stale state.
 */
import type { DeviceRoomLock } from "../../ports/deviceRoomLock.ts";

export interface RoomLease {
  /** True while this process certainly still holds the lock. */
  held(): boolean;
  /** Gives the lock back (the room is gone). */
  release(): Promise<void>;
}

interface LiveLease {
  deviceId: string;
  holder: string;
  validUntil: number;
  onLost: (reason: string) => void;
  onRenewed?: () => void;
}

export interface DeviceRoomLeasesOptions {
  ttlMs: number;
  clock?: () => number;
  /** Renewal failures (Redis unreachable) are reported here. */
  warn?: (message: string, error?: unknown) => void;
}

export class DeviceRoomLeases {
  private readonly live = new Map<string, LiveLease>();
  private timer: NodeJS.Timeout | null = null;
  private renewing = false;
  private readonly clock: () => number;

  constructor(private readonly lock: DeviceRoomLock, private readonly options: DeviceRoomLeasesOptions) {
    this.clock = options.clock ?? Date.now;
  }

  /**
   * Takes the device's lock for a new room; null when another room (here or elsewhere)
   * holds it. `onLost` is called once if the lock is lost; `onRenewed` after every
   * successful renewal (a room uses it to check its own listing, see DeviceRoom).
   */
  async acquire(deviceId: string, holder: string, onLost: (reason: string) => void, onRenewed?: () => void): Promise<RoomLease | null> {
    const sentAt = this.clock();
    if (!(await this.lock.acquire(deviceId, holder, this.options.ttlMs))) return null;
    const lease: LiveLease = { deviceId, holder, validUntil: sentAt + this.options.ttlMs, onLost, onRenewed };
    this.live.set(holder, lease);
    this.ensureTimer();
    return {
      held: () => this.live.get(holder) === lease && this.clock() < lease.validUntil,
      release: async () => {
        if (this.live.get(holder) !== lease) return;
        this.live.delete(holder);
        await this.lock.release(deviceId, holder);
      },
    };
  }

  /** Renews now (the timer does this every third of the TTL; tests call it directly). */
  async renewAll(): Promise<void> {
    this.expireOverdue();
    if (this.renewing || this.live.size === 0) return;
    this.renewing = true;
    const leases = [...this.live.values()];
    const sentAt = this.clock();
    try {
      const lost = new Set(await this.lock.renew(leases, this.options.ttlMs));
      for (const lease of leases) {
        if (this.live.get(lease.holder) !== lease) continue; // released meanwhile
        if (lost.has(lease.deviceId)) this.lose(lease, "its room lock expired or was taken by another process");
        else {
          lease.validUntil = sentAt + this.options.ttlMs;
          lease.onRenewed?.();
        }
      }
    } catch (error) {
      this.options.warn?.("renewing the device room locks failed; rooms whose lock runs out stop serving their device", error);
    } finally {
      this.renewing = false;
    }
    this.expireOverdue();
  }

  /** Stops renewing (process shutdown); the remaining leases run out on their own. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private ensureTimer() {
    if (this.timer) return;
    this.timer = setInterval(() => void this.renewAll(), Math.max(100, Math.floor(this.options.ttlMs / 3)));
    this.timer.unref();
  }

  /** Leases whose renewal did not come back in time are lost whatever Redis says later. */
  private expireOverdue() {
    const now = this.clock();
    for (const lease of [...this.live.values()]) {
      if (now >= lease.validUntil) this.lose(lease, "its room lock could not be renewed in time");
    }
  }

  private lose(lease: LiveLease, reason: string) {
    this.live.delete(lease.holder);
    lease.onLost(reason);
  }
}
