/**
 * The DeviceRoomLock contract, written once and run against every presence it works over
 * (LocalPresence in one process, RedisPresence for a cluster), in the style of hono's
 * `common.case.test.ts`. Each adapter's test file calls `deviceRoomLockCases` with a
 * factory; nothing here knows which one it is.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { DeviceRoomLock } from "../../server/src/ports/deviceRoomLock.ts";

export function deviceRoomLockCases(name: string, makeLock: () => DeviceRoomLock) {
  describe(`DeviceRoomLock over ${name}`, () => {
    // Unique device ids per run: a shared Redis may hold keys of earlier runs.
    const device = () => `lock-test-${randomUUID().slice(0, 8)}`;

    it("gives the lock to one holder and refuses a second", async () => {
      const lock = makeLock();
      const deviceId = device();
      expect(await lock.acquire(deviceId, "room-1")).toBe(true);
      expect(await lock.acquire(deviceId, "room-2")).toBe(false);
      expect(await lock.holder(deviceId)).toBe("room-1");
      await lock.release(deviceId, "room-1");
    });

    it("is free again once its holder releases it", async () => {
      const lock = makeLock();
      const deviceId = device();
      await lock.acquire(deviceId, "room-1");
      await lock.release(deviceId, "room-1");
      expect(await lock.holder(deviceId)).toBeNull();
      expect(await lock.acquire(deviceId, "room-2")).toBe(true);
      await lock.release(deviceId, "room-2");
    });

    it("ignores a release by anyone but the holder (a room whose creation was refused)", async () => {
      const lock = makeLock();
      const deviceId = device();
      await lock.acquire(deviceId, "room-1");
      expect(await lock.acquire(deviceId, "room-2")).toBe(false);
      await lock.release(deviceId, "room-2");
      expect(await lock.holder(deviceId)).toBe("room-1");
      expect(await lock.acquire(deviceId, "room-3")).toBe(false);
      await lock.release(deviceId, "room-1");
    });

    it("grants exactly one of 50 concurrent acquisitions", async () => {
      const lock = makeLock();
      const deviceId = device();
      const granted = await Promise.all(Array.from({ length: 50 }, (_, index) => lock.acquire(deviceId, `room-${index}`)));
      expect(granted.filter(Boolean)).toHaveLength(1);
      const winner = `room-${granted.indexOf(true)}`;
      expect(await lock.holder(deviceId)).toBe(winner);
      await lock.release(deviceId, winner);
    });

    it("keeps devices independent", async () => {
      const lock = makeLock();
      const [first, second] = [device(), device()];
      expect(await lock.acquire(first, "room-1")).toBe(true);
      expect(await lock.acquire(second, "room-1")).toBe(true);
      await lock.release(first, "room-1");
      expect(await lock.holder(second)).toBe("room-1");
      await lock.release(second, "room-1");
    });
  });
}
