/**
 * The UserQuotaLedger contract (ports/userQuotas.ts), written once and run against every
 * adapter (process memory, Redis). Nothing here knows which one it is. Expiry is real time
 * with short TTLs and generous waits: nothing asserts that something happens *quickly*.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { QuotaSlot, UserQuotaLedger } from "@baton/server/ports/userQuotas.ts";

const TTL = 60_000;
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function userQuotaCases(name: string, makeLedger: () => UserQuotaLedger) {
  describe(`UserQuotaLedger over ${name}`, () => {
    // Unique user ids per case: a shared Redis may hold keys of other runs.
    const user = () => `quota-user-${randomUUID().slice(0, 8)}`;
    const device = (userId: string, deviceId: string): QuotaSlot => ({ userId, kind: "device", deviceId });

    it("grants up to the limit and refuses the next, saying how many are held", async () => {
      const ledger = makeLedger();
      const userId = user();
      expect(await ledger.reserve(device(userId, "d-1"), 2, TTL)).toEqual({ granted: true, held: 1 });
      expect(await ledger.reserve(device(userId, "d-2"), 2, TTL)).toEqual({ granted: true, held: 2 });
      expect(await ledger.reserve(device(userId, "d-3"), 2, TTL)).toEqual({ granted: false, held: 2 });
      expect((await ledger.held(userId, "device")).sort()).toEqual(["d-1", "d-2"]);
    });

    it("counts a slot reserved again once (a retried reservation is not a second one)", async () => {
      const ledger = makeLedger();
      const userId = user();
      await ledger.reserve(device(userId, "d-1"), 1, TTL);
      expect(await ledger.reserve(device(userId, "d-1"), 1, TTL)).toEqual({ granted: true, held: 1 });
      expect(await ledger.held(userId, "device")).toEqual(["d-1"]);
    });

    it("frees a slot on release; releasing a slot not held changes nothing", async () => {
      const ledger = makeLedger();
      const userId = user();
      await ledger.reserve(device(userId, "d-1"), 1, TTL);
      await ledger.release(device(userId, "d-2"));
      expect(await ledger.held(userId, "device")).toEqual(["d-1"]);
      await ledger.release(device(userId, "d-1"));
      expect(await ledger.reserve(device(userId, "d-2"), 1, TTL)).toEqual({ granted: true, held: 1 });
    });

    it("grants exactly `limit` of 40 concurrent reservations for different devices", async () => {
      const ledger = makeLedger();
      const userId = user();
      const answers = await Promise.all(Array.from({ length: 40 }, (_, index) => ledger.reserve(device(userId, `d-${index}`), 3, TTL)));
      expect(answers.filter((answer) => answer.granted)).toHaveLength(3);
      expect(await ledger.held(userId, "device")).toHaveLength(3);
    });

    it("keeps users and kinds apart", async () => {
      const ledger = makeLedger();
      const [alice, bob] = [user(), user()];
      await ledger.reserve(device(alice, "d-1"), 1, TTL);
      expect((await ledger.reserve(device(bob, "d-1"), 1, TTL)).granted).toBe(true);
      expect((await ledger.reserve({ userId: alice, kind: "queue", deviceId: "d-2" }, 1, TTL)).granted).toBe(true);
      expect(await ledger.held(alice, "queue")).toEqual(["d-2"]);
    });

    it("lets a slot that was not renewed expire (a crashed process's reservations free themselves)", async () => {
      const ledger = makeLedger();
      const userId = user();
      await ledger.reserve(device(userId, "d-1"), 1, 200);
      await settle(700);
      expect(await ledger.held(userId, "device")).toEqual([]);
      expect((await ledger.reserve(device(userId, "d-2"), 1, TTL)).granted).toBe(true);
    });

    it("keeps a renewed slot past its first TTL, and renewal re-takes a slot whatever the limit", async () => {
      const ledger = makeLedger();
      const userId = user();
      await ledger.reserve(device(userId, "d-1"), 1, 400);
      await settle(200);
      await ledger.renew([device(userId, "d-1")], TTL);
      await settle(500);
      expect(await ledger.held(userId, "device")).toEqual(["d-1"]);
      // A room restored from the store holds what its state says, even over the limit.
      await ledger.renew([device(userId, "d-2")], TTL);
      expect((await ledger.held(userId, "device")).sort()).toEqual(["d-1", "d-2"]);
      expect((await ledger.reserve(device(userId, "d-3"), 2, TTL)).granted).toBe(false);
    });
  });
}
