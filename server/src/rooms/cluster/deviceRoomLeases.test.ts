import { describe, expect, it } from "vitest";
import { LocalDeviceRoomLock } from "../../adapters/local/localDeviceRoomLock.ts";
import type { DeviceRoomLock } from "../../ports/deviceRoomLock.ts";
import { DeviceRoomLeases } from "./deviceRoomLeases.ts";

describe("device room leases", () => {
  it("keeps a lease while renewals succeed, counted from when each renewal was sent", async () => {
    let now = 0;
    const leases = new DeviceRoomLeases(new LocalDeviceRoomLock(() => now), { ttlMs: 3_000, clock: () => now });
    const lost: string[] = [];
    const lease = (await leases.acquire("d-1", "p/room-1", (reason) => lost.push(reason)))!;
    for (let step = 0; step < 10; step++) {
      now += 1_000;
      await leases.renewAll();
      expect(lease.held()).toBe(true);
    }
    expect(lost).toEqual([]);
    await lease.release();
    leases.stop();
  });

  it("refuses a second room for the same device", async () => {
    const leases = new DeviceRoomLeases(new LocalDeviceRoomLock(), { ttlMs: 3_000 });
    expect(await leases.acquire("d-1", "p/room-1", () => undefined)).not.toBeNull();
    expect(await leases.acquire("d-1", "p/room-2", () => undefined)).toBeNull();
    leases.stop();
  });

  it("reports a lease another process took, and stops holding it", async () => {
    let now = 0;
    const lock = new LocalDeviceRoomLock(() => now);
    const leases = new DeviceRoomLeases(lock, { ttlMs: 3_000, clock: () => now });
    const lost: string[] = [];
    const lease = (await leases.acquire("d-1", "p/room-1", (reason) => lost.push(reason)))!;
    now += 3_500; // this process stalled past the TTL…
    await lock.acquire("d-1", "q/room-9", 3_000); // …and another process took the device
    await leases.renewAll();
    expect(lost).toHaveLength(1);
    expect(lease.held()).toBe(false);
    await lease.release(); // a no-op: the lock is the other room's
    expect(await lock.holder("d-1")).toBe("q/room-9");
    leases.stop();
  });

  it("gives a lease up when renewals fail for a whole TTL (Redis unreachable), before Redis could hand it to anyone", async () => {
    let now = 0;
    let reachable = true;
    const local = new LocalDeviceRoomLock(() => now);
    const flaky: DeviceRoomLock = {
      acquire: (...args) => local.acquire(...args),
      release: (...args) => local.release(...args),
      holder: (...args) => local.holder(...args),
      renew: async (...args) => {
        if (!reachable) throw new Error("connection refused");
        return local.renew(...args);
      },
    };
    const warnings: string[] = [];
    const leases = new DeviceRoomLeases(flaky, { ttlMs: 3_000, clock: () => now, warn: (message) => warnings.push(message) });
    const lost: string[] = [];
    const lease = (await leases.acquire("d-1", "p/room-1", (reason) => lost.push(reason)))!;
    reachable = false;
    now = 2_999;
    await leases.renewAll();
    expect(lease.held()).toBe(true);
    expect(warnings).toHaveLength(1);
    now = 3_000; // the moment the lock could expire in Redis, this process no longer counts on it
    expect(lease.held()).toBe(false);
    await leases.renewAll();
    expect(lost).toHaveLength(1);
    leases.stop();
  });
});
