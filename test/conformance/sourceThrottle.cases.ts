/**
 * The secret-guessing throttle's rules (server/src/auth/sourceThrottle.ts), run over every
 * SourceThrottleStore: in memory for one process, Redis for a cluster. The rules are the
 * throttle's; what each store must get right is that they hold — including under
 * concurrency, and across two "processes" sharing one store. The throttle's clock is
 * injected, so nothing here waits.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SourceThrottle } from "@baton/server/auth/sourceThrottle.ts";
import type { SourceThrottleStore } from "@baton/server/ports/sourceThrottle.ts";

/** `stores()` gives two stores that see the same records (two processes of one cluster; the same store twice for one process). */
export function sourceThrottleCases(name: string, stores: () => [SourceThrottleStore, SourceThrottleStore]) {
  describe(`SourceThrottle over ${name}`, () => {
    // Unique addresses per run: a shared Redis may hold records of other runs.
    const address = () => `10.${randomUUID().slice(0, 8)}`;

    it("admits up to the limit including checks in flight, then backs off exponentially", async () => {
      let now = 1_000_000;
      const throttle = new SourceThrottle(stores()[0], { failuresPerSource: 2, backoffMaxMs: 8_000, clock: () => now });
      const a = address();
      expect((await throttle.admit(a)).admitted).toBe(true);
      expect((await throttle.admit(a)).admitted).toBe(true);
      expect(await throttle.admit(a)).toEqual({ admitted: false, retryAfterMs: 1_000 }); // two in flight already
      await throttle.failed(a);
      await throttle.failed(a);
      expect(await throttle.admit(a)).toEqual({ admitted: false, retryAfterMs: 1_000 });
      now += 1_000;
      expect((await throttle.admit(a)).admitted).toBe(true); // probation: one at a time
      expect((await throttle.admit(a)).admitted).toBe(false);
      await throttle.failed(a);
      expect(await throttle.admit(a)).toEqual({ admitted: false, retryAfterMs: 2_000 });
      for (let round = 0; round < 5; round++) {
        const wait = await throttle.admit(a);
        if (!wait.admitted) now += wait.retryAfterMs;
        expect((await throttle.admit(a)).admitted).toBe(true);
        await throttle.failed(a);
      }
      expect(await throttle.admit(a)).toEqual({ admitted: false, retryAfterMs: 8_000 }); // capped
      expect(await throttle.waitFor(a)).toBe(8_000);
      expect((await throttle.admit(address())).admitted).toBe(true); // other sources are unaffected
    });

    it("clears a source on success and forgives it after a whole maximum back-off", async () => {
      let now = 1_000_000;
      const throttle = new SourceThrottle(stores()[0], { failuresPerSource: 1, backoffMaxMs: 4_000, clock: () => now });
      const a = address();
      await throttle.admit(a);
      await throttle.failed(a);
      expect((await throttle.admit(a)).admitted).toBe(false);
      now += 4_001;
      expect((await throttle.admit(a)).admitted).toBe(true);
      await throttle.succeeded(a);
      expect(await throttle.waitFor(a)).toBe(0);
      expect((await throttle.admit(a)).admitted).toBe(true);
    });

    it("forgets a check that never reported back (its process died)", async () => {
      let now = 1_000_000;
      const throttle = new SourceThrottle(stores()[0], { failuresPerSource: 3, backoffMaxMs: 60_000, clock: () => now, pendingExpiryMs: 5_000 });
      const a = address();
      for (let index = 0; index < 3; index++) expect((await throttle.admit(a)).admitted).toBe(true);
      expect((await throttle.admit(a)).admitted).toBe(false);
      now += 5_001;
      expect((await throttle.admit(a)).admitted).toBe(true);
    });

    it("counts an address's attempts across processes: 50 concurrent checks, spread over two, admit exactly the limit", async () => {
      const [first, second] = stores();
      const options = { failuresPerSource: 5, backoffMaxMs: 60_000, clock: () => 1_000_000 };
      const inFirst = new SourceThrottle(first, options);
      const inSecond = new SourceThrottle(second, options);
      const a = address();
      const admissions = await Promise.all(Array.from({ length: 50 }, (_, index) => (index % 2 ? inFirst : inSecond).admit(a)));
      expect(admissions.filter((admission) => admission.admitted)).toHaveLength(5);
      // Wrong secrets reported by one process hold the address off in the other.
      for (let index = 0; index < 5; index++) await (index % 2 ? inFirst : inSecond).failed(a);
      expect(await inSecond.waitFor(a)).toBe(1_000);
      expect(await inFirst.admit(a)).toEqual({ admitted: false, retryAfterMs: 1_000 });
    });
  });
}
