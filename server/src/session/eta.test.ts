/**
 * The ETA against a scripted history: medians of recent runs per session type, the declared
 * maximum while there is no history, and the wait of each position adding up.
 */
import { describe, expect, it } from "vitest";
import { estimatedStarts, median, NO_SAMPLES, samplesFrom } from "./eta.ts";
import { ALICE, BOB, CAROL, onlineHarness, WEIGH } from "./testing.ts";

describe("median", () => {
  it("is robust to one session that ran into its cap", () => {
    expect(median([])).toBeNull();
    expect(median([5_000])).toBe(5_000);
    expect(median([4_000, 6_000, 600_000])).toBe(6_000);
    expect(median([4_000, 6_000])).toBe(5_000);
  });
});

describe("estimated start times", () => {
  // Newest first, as the store's history returns them.
  const history = samplesFrom(
    [
      { sessionType: "weigh", durationMs: 20_000 },
      { sessionType: "weigh", durationMs: 10_000 },
      { sessionType: "weigh", durationMs: 55_000 },
      { sessionType: "calibrate", durationMs: 300_000 },
    ],
    [90_000, 30_000, 60_000],
  );

  it("adds up the expected holds of everyone ahead, from the history", () => {
    const harness = onlineHarness();
    harness.claim(ALICE, { sessionType: "weigh", input: { sampleId: "A" }, releaseOnComplete: true });
    harness.apply({ type: "enqueue", user: BOB, sessionType: "weigh", input: { sampleId: "B" }, releaseOnComplete: true });
    harness.apply({ type: "enqueue", user: CAROL });
    harness.advance(5_000);
    const starts = estimatedStarts(harness.state, history, harness.now);
    // Alice's weighing: median 20 s, 5 s gone → 15 s left. Bob's: another 20 s.
    expect(starts.get(BOB.userId)).toBe(harness.now + 15_000);
    expect(starts.get(CAROL.userId)).toBe(harness.now + 15_000 + 20_000);
  });

  it("falls back to the declared maxDurationMs without history, and follows the session as it goes", () => {
    const harness = onlineHarness();
    harness.claim(ALICE, { sessionType: "weigh", input: { sampleId: "A" }, releaseOnComplete: true });
    harness.apply({ type: "enqueue", user: BOB });
    expect(estimatedStarts(harness.state, NO_SAMPLES, harness.now).get(BOB.userId)).toBe(harness.now + WEIGH.maxDurationMs);
    harness.advance(40_000);
    expect(estimatedStarts(harness.state, NO_SAMPLES, harness.now).get(BOB.userId)).toBe(harness.now + WEIGH.maxDurationMs - 40_000);
  });

  it("an open session without a run is expected to last the median session", () => {
    const harness = onlineHarness();
    harness.claim(ALICE);
    harness.apply({ type: "enqueue", user: BOB });
    harness.advance(10_000);
    expect(estimatedStarts(harness.state, history, harness.now).get(BOB.userId)).toBe(harness.now + 50_000);
  });
});
