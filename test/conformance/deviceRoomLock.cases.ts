/**
 * The DeviceRoomLock contract, written once and run against every adapter (in memory for one
 * process, Redis for a cluster), in the style of hono's `common.case.test.ts`. Each
 * adapter's test file calls `deviceRoomLockCases` with a factory; nothing here knows which
 * one it is. Expiry is real time: the TTLs are short and the waits generous, so a loaded
 * machine does not make a case flaky (nothing asserts that something happens *quickly*).
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { DeviceRoomLock } from "@baton/server/ports/deviceRoomLock.ts";

const TTL = 60_000;
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function deviceRoomLockCases(name: string, makeLock: () => DeviceRoomLock) {
  describe(`DeviceRoomLock over ${name}`, () => {
    // Unique device ids per run: a shared Redis may hold keys of earlier or parallel runs.
    const device = () => `lock-test-${randomUUID().slice(0, 8)}`;

    it("gives the lock to one holder and refuses a second", async () => {
      const lock = makeLock();
      const deviceId = device();
      expect(await lock.acquire(deviceId, "room-1", TTL)).toBe(true);
      expect(await lock.acquire(deviceId, "room-2", TTL)).toBe(false);
      expect(await lock.holder(deviceId)).toBe("room-1");
      await lock.release(deviceId, "room-1");
    });

    it("is free again once its holder releases it", async () => {
      const lock = makeLock();
      const deviceId = device();
      await lock.acquire(deviceId, "room-1", TTL);
      await lock.release(deviceId, "room-1");
      expect(await lock.holder(deviceId)).toBeNull();
      expect(await lock.acquire(deviceId, "room-2", TTL)).toBe(true);
      await lock.release(deviceId, "room-2");
    });

    it("ignores a release by anyone but the holder (a room whose creation was refused)", async () => {
      const lock = makeLock();
      const deviceId = device();
      await lock.acquire(deviceId, "room-1", TTL);
      expect(await lock.acquire(deviceId, "room-2", TTL)).toBe(false);
      await lock.release(deviceId, "room-2");
      expect(await lock.holder(deviceId)).toBe("room-1");
      expect(await lock.acquire(deviceId, "room-3", TTL)).toBe(false);
      await lock.release(deviceId, "room-1");
    });

    it("grants exactly one of 50 concurrent acquisitions", async () => {
      const lock = makeLock();
      const deviceId = device();
      const granted = await Promise.all(Array.from({ length: 50 }, (_, index) => lock.acquire(deviceId, `room-${index}`, TTL)));
      expect(granted.filter(Boolean)).toHaveLength(1);
      const winner = `room-${granted.indexOf(true)}`;
      expect(await lock.holder(deviceId)).toBe(winner);
      await lock.release(deviceId, winner);
    });

    it("keeps devices independent", async () => {
      const lock = makeLock();
      const [first, second] = [device(), device()];
      expect(await lock.acquire(first, "room-1", TTL)).toBe(true);
      expect(await lock.acquire(second, "room-1", TTL)).toBe(true);
      await lock.release(first, "room-1");
      expect(await lock.holder(second)).toBe("room-1");
      await lock.release(second, "room-1");
    });

    it("expires when its holder stops renewing it (a dead process), and can then be taken", async () => {
      const lock = makeLock();
      const deviceId = device();
      expect(await lock.acquire(deviceId, "dead-process/room", 200)).toBe(true);
      expect(await lock.acquire(deviceId, "live-process/room", TTL)).toBe(false);
      await settle(700);
      expect(await lock.holder(deviceId)).toBeNull();
      expect(await lock.acquire(deviceId, "live-process/room", TTL)).toBe(true);
      // The dead holder's late renewal and release change nothing.
      expect(await lock.renew([{ deviceId, holder: "dead-process/room" }], TTL)).toEqual([deviceId]);
      await lock.release(deviceId, "dead-process/room");
      expect(await lock.holder(deviceId)).toBe("live-process/room");
      await lock.release(deviceId, "live-process/room");
    });

    it("renews its holder's leases past their first TTL, in one call, and reports the ones it lost", async () => {
      const lock = makeLock();
      const [kept, alsoKept, neverHeld] = [device(), device(), device()];
      await lock.acquire(kept, "room-a", 300);
      await lock.acquire(alsoKept, "room-b", 300);
      await lock.acquire(neverHeld, "someone-else", TTL);
      const lost = await lock.renew([{ deviceId: kept, holder: "room-a" }, { deviceId: alsoKept, holder: "room-b" }, { deviceId: neverHeld, holder: "room-c" }], TTL);
      expect(lost).toEqual([neverHeld]);
      await settle(800); // well past the first 300 ms
      expect(await lock.holder(kept)).toBe("room-a");
      expect(await lock.holder(alsoKept)).toBe("room-b");
      expect(await lock.holder(neverHeld)).toBe("someone-else");
      expect(await lock.renew([], TTL)).toEqual([]);
      await Promise.all([lock.release(kept, "room-a"), lock.release(alsoKept, "room-b"), lock.release(neverHeld, "someone-else")]);
    });
  });
}
