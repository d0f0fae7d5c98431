import { describe, expect, it } from "vitest";
import { SourceThrottle } from "./sourceThrottle.ts";

describe("source throttle", () => {
  it("admits up to the limit including checks in flight, then backs off exponentially", () => {
    let now = 0;
    const throttle = new SourceThrottle({ failuresPerSource: 2, backoffMaxMs: 8_000, clock: () => now });
    expect(throttle.admit("a").admitted).toBe(true);
    expect(throttle.admit("a").admitted).toBe(true);
    expect(throttle.admit("a")).toEqual({ admitted: false, retryAfterMs: 1_000 }); // two in flight already
    throttle.failed("a");
    throttle.failed("a");
    expect(throttle.admit("a")).toEqual({ admitted: false, retryAfterMs: 1_000 });
    now = 1_000;
    expect(throttle.admit("a").admitted).toBe(true); // probation: one at a time
    expect(throttle.admit("a").admitted).toBe(false);
    throttle.failed("a");
    expect(throttle.admit("a")).toEqual({ admitted: false, retryAfterMs: 2_000 });
    for (let round = 0; round < 5; round++) {
      const wait = throttle.admit("a");
      if (!wait.admitted) now += wait.retryAfterMs;
      expect(throttle.admit("a").admitted).toBe(true);
      throttle.failed("a");
    }
    expect(throttle.admit("a")).toEqual({ admitted: false, retryAfterMs: 8_000 }); // capped
    expect(throttle.admit("b").admitted).toBe(true); // other sources are unaffected
  });

  it("clears a source on success and forgives it after a whole maximum back-off", () => {
    let now = 0;
    const throttle = new SourceThrottle({ failuresPerSource: 1, backoffMaxMs: 4_000, clock: () => now });
    throttle.admit("a");
    throttle.failed("a");
    expect(throttle.admit("a").admitted).toBe(false);
    now = 4_001;
    expect(throttle.admit("a").admitted).toBe(true);
    throttle.succeeded("a");
    expect(throttle.admit("a").admitted).toBe(true);
  });

  it("remembers a bounded number of sources", () => {
    const throttle = new SourceThrottle({ failuresPerSource: 1, backoffMaxMs: 60_000, clock: () => 0, maxSources: 100 });
    for (let index = 0; index < 1_000; index++) {
      throttle.admit(`s${index}`);
      throttle.failed(`s${index}`);
    }
    expect((throttle as unknown as { sources: Map<string, unknown> }).sources.size).toBeLessThanOrEqual(100);
  });
});
