import { expect, it } from "vitest";
import { SourceThrottle } from "@baton/server/auth/sourceThrottle.ts";
import { LocalSourceThrottleStore } from "@baton/server/adapters/local/localSourceThrottleStore.ts";
import { sourceThrottleCases } from "./sourceThrottle.cases.ts";

// One process: both "processes" are the same store.
sourceThrottleCases("process memory", () => {
  const store = new LocalSourceThrottleStore();
  return [store, store];
});

it("remembers a bounded number of sources", async () => {
  const store = new LocalSourceThrottleStore(() => 0, 100);
  const throttle = new SourceThrottle(store, { failuresPerSource: 1, backoffMaxMs: 60_000, clock: () => 0 });
  for (let index = 0; index < 1_000; index++) {
    await throttle.admit(`s${index}`);
    await throttle.failed(`s${index}`);
  }
  expect(store.size).toBeLessThanOrEqual(100);
});
