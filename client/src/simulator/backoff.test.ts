/** Backoff bounds: grows exponentially, stays within [ceiling/2, ceiling], never exceeds the cap. */
import { describe, expect, it } from "vitest";
import { reconnectDelayMs } from "./backoff.ts";

const policy = { baseDelayMs: 100, maxDelayMs: 2_000, maxAttempts: 5 };

describe("reconnectDelayMs", () => {
  it("doubles the ceiling per attempt, up to the cap", () => {
    expect([1, 2, 3, 4, 5, 6, 40].map((attempt) => reconnectDelayMs(attempt, policy, () => 1))).toEqual([100, 200, 400, 800, 1_600, 2_000, 2_000]);
  });
  it("never goes below half the ceiling (no tight retry loop)", () => {
    expect([1, 2, 3].map((attempt) => reconnectDelayMs(attempt, policy, () => 0))).toEqual([50, 100, 200]);
  });
  it("spreads devices with random jitter", () => {
    const delays = new Set(Array.from({ length: 50 }, () => reconnectDelayMs(4, policy)));
    expect(delays.size).toBeGreaterThan(10);
    for (const delay of delays) expect(delay).toBeGreaterThanOrEqual(400);
  });
});
