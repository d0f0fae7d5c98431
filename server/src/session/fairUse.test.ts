/** The pure part of the per-user limits: holdings of a state, the UTC day, the daily quota's verdict. */
import { describe, expect, it } from "vitest";
import { ErrorCode } from "@baton/protocol";
import { dailyQuota, holdingsOf, usedToday, utcDayStart } from "./fairUse.ts";
import { sentenceOf, ALICE, BOB, CAROL, onlineHarness } from "./testing.ts";

const DAY = 86_400_000;
const NOON = Date.UTC(2025, 0, 15, 12, 0, 0);

describe("holdingsOf", () => {
  it("is the holder's device and a place per user in line", () => {
    const harness = onlineHarness();
    harness.claim(ALICE);
    harness.apply({ type: "enqueue", user: BOB });
    harness.apply({ type: "enqueue", user: CAROL });
    expect(holdingsOf(harness.state)).toEqual([
      { userId: ALICE.userId, kind: "device" }, { userId: BOB.userId, kind: "queue" }, { userId: CAROL.userId, kind: "queue" },
    ]);
  });
});

describe("the daily quota", () => {
  it("counts only today's part (UTC) of each session, a running one until now", () => {
    const midnight = utcDayStart(NOON);
    expect(midnight).toBe(Date.UTC(2025, 0, 15));
    const used = usedToday([
      { deviceId: "a", startedAt: midnight - 30 * 60_000, endedAt: midnight + 10 * 60_000 }, // 10 min after midnight
      { deviceId: "b", startedAt: midnight - DAY, endedAt: midnight - DAY + 60_000 }, // yesterday: nothing
      { deviceId: "c", startedAt: NOON - 5 * 60_000, endedAt: null }, // running: 5 min so far
    ], NOON);
    expect(used).toBe(15 * 60_000);
  });

  it("refuses with the reset time when the minutes are used up, else caps the session at what is left", () => {
    const refused = dailyQuota(60 * 60_000, 60, "scale", NOON);
    expect("refusal" in refused && refused.refusal).toMatchObject({ code: ErrorCode.DAILY_QUOTA_EXHAUSTED, params: { minutesPerDay: 60, kind: "scale", resetsAt: Date.parse("2025-01-16T00:00:00.000Z") } });
    expect("refusal" in refused && sentenceOf(refused.refusal)).toContain("2025-01-16T00:00:00.000Z");
    expect(dailyQuota(45 * 60_000, 60, "scale", NOON)).toEqual({ until: NOON + 15 * 60_000 });
  });
});
