/**
 * DeviceRoomLock for a single process: a map of leases with their expiry. Expiry matters
 * here only for symmetry with the cluster form (a process's locks die with it anyway); the
 * conformance suite holds both to the same contract.
 */
import type { DeviceRoomLock } from "../../ports/deviceRoomLock.ts";

export class LocalDeviceRoomLock implements DeviceRoomLock {
  private readonly leases = new Map<string, { holder: string; expiresAt: number }>();

  constructor(private readonly clock: () => number = Date.now) {}

  async acquire(deviceId: string, holder: string, ttlMs: number): Promise<boolean> {
    if (this.current(deviceId) !== null) return false;
    this.leases.set(deviceId, { holder, expiresAt: this.clock() + ttlMs });
    return true;
  }

  async renew(leases: readonly { deviceId: string; holder: string }[], ttlMs: number): Promise<string[]> {
    const lost: string[] = [];
    for (const { deviceId, holder } of leases) {
      const lease = this.current(deviceId) === holder ? this.leases.get(deviceId) : undefined;
      if (lease) lease.expiresAt = this.clock() + ttlMs;
      else lost.push(deviceId);
    }
    return lost;
  }

  async release(deviceId: string, holder: string): Promise<void> {
    if (this.current(deviceId) === holder) this.leases.delete(deviceId);
  }

  async holder(deviceId: string): Promise<string | null> {
    return this.current(deviceId);
  }

  private current(deviceId: string): string | null {
    const lease = this.leases.get(deviceId);
    if (!lease) return null;
    if (lease.expiresAt <= this.clock()) {
      this.leases.delete(deviceId);
      return null;
    }
    return lease.holder;
  }
}
