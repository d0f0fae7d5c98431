/**
 * Fair use of one session (session/lease.ts), on a fake clock: the expiry warning comes
 * `sessionExpiryWarningMs` before the expiry, once per expiry; `extend` moves the expiry by
 * at most the allowance left; a daily quota's cap bounds both.
 */
import { describe, expect, it } from "vitest";
import { EndReason, ErrorCode } from "@baton/protocol";
import { nextDeadline } from "./deadlines.ts";
import { sentenceOf, ALICE, BOB, T0, WEIGH, effectsOf, onlineHarness } from "./testing.ts";

const MINUTE = 60_000;
// Idle timeout off, so the session's expiry is the only deadline that ends it.
const timers = { maxSessionMs: 30 * MINUTE, ownerIdleTimeoutMs: 0, sessionExpiryWarningMs: 5 * MINUTE, maxSessionExtensionMs: 20 * MINUTE };

describe("the expiry warning", () => {
  it("comes warningMs before the expiry, once, and the session still ends at the expiry", () => {
    const harness = onlineHarness({ timers });
    harness.claim(ALICE);
    expect(harness.state.session!.expiresAt).toBe(T0 + 30 * MINUTE);
    expect(nextDeadline(harness.state, harness.timers)).toEqual({ at: T0 + 25 * MINUTE, kind: "expiry_warning" });

    harness.advance(25 * MINUTE - 1);
    expect(effectsOf(harness.tick(), "sessionExpiring")).toEqual([]);
    const warned = effectsOf(harness.advanceAndTick(1), "sessionExpiring");
    expect(warned).toEqual([{ type: "sessionExpiring", holder: ALICE, epoch: 1, expiresAt: T0 + 30 * MINUTE, canExtendMs: 20 * MINUTE }]);

    // Not again for the same expiry; the next deadline is the expiry itself.
    expect(effectsOf(harness.advanceAndTick(MINUTE), "sessionExpiring")).toEqual([]);
    expect(nextDeadline(harness.state, harness.timers)).toEqual({ at: T0 + 30 * MINUTE, kind: EndReason.MAX_DURATION });
    const ended = effectsOf(harness.advanceAndTick(4 * MINUTE), "sessionEnded");
    expect(ended.map((effect) => effect.reason)).toEqual([EndReason.MAX_DURATION]);
  });

  it("is not sent when the tick comes after the expiry: the session ends instead", () => {
    const harness = onlineHarness({ timers });
    harness.claim(ALICE);
    const late = harness.advanceAndTick(31 * MINUTE);
    expect(effectsOf(late, "sessionExpiring")).toEqual([]);
    expect(effectsOf(late, "sessionEnded")).toHaveLength(1);
  });

  it("is off with warningMs 0, and there is no warning for a session without expiry", () => {
    const off = onlineHarness({ timers: { ...timers, sessionExpiryWarningMs: 0 } });
    off.claim(ALICE);
    expect(nextDeadline(off.state, off.timers)?.kind).toBe(EndReason.MAX_DURATION);
    const endless = onlineHarness({ timers: { ...timers, maxSessionMs: 0 } });
    endless.claim(ALICE);
    expect(nextDeadline(endless.state, endless.timers)).toBeNull();
  });

  it("comes again after an extension, for the new expiry", () => {
    const harness = onlineHarness({ timers });
    harness.claim(ALICE);
    harness.advanceAndTick(25 * MINUTE);
    expect(effectsOf(harness.allEffects, "sessionExpiring")).toHaveLength(1);
    harness.apply({ type: "extend", user: ALICE, byMs: 10 * MINUTE });
    expect(harness.state.session!.expiresAt).toBe(T0 + 40 * MINUTE);
    expect(nextDeadline(harness.state, harness.timers)).toEqual({ at: T0 + 35 * MINUTE, kind: "expiry_warning" });
    harness.advanceAndTick(10 * MINUTE);
    expect(effectsOf(harness.allEffects, "sessionExpiring").map((effect) => effect.expiresAt)).toEqual([T0 + 30 * MINUTE, T0 + 40 * MINUTE]);
    expect(harness.state.session).not.toBeNull();
  });
});

describe("extend", () => {
  it("moves the expiry by byMs, and by at most the allowance left in total", () => {
    const harness = onlineHarness({ timers });
    harness.claim(ALICE);
    const first = harness.apply({ type: "extend", user: ALICE, byMs: 15 * MINUTE });
    expect(effectsOf(first, "sessionExtended")).toEqual([{ type: "sessionExtended", holder: ALICE, epoch: 1, expiresAt: T0 + 45 * MINUTE, extendedMs: 15 * MINUTE, canExtendMs: 5 * MINUTE }]);
    // Asking for more than is left grants what is left.
    harness.apply({ type: "extend", user: ALICE, byMs: 15 * MINUTE });
    expect(harness.state.session!.expiresAt).toBe(T0 + 50 * MINUTE);
    const refused = harness.apply({ type: "extend", user: ALICE });
    expect(refused.rejection).toMatchObject({ code: ErrorCode.EXTENSION_REFUSED, params: { reason: "allowanceUsed", allowanceMs: 20 * MINUTE } });
    expect(sentenceOf(refused.rejection)).toContain("maximum of 20 min");
    expect(harness.state.session!.expiresAt).toBe(T0 + 50 * MINUTE);
  });

  it("without byMs takes the whole allowance left", () => {
    const harness = onlineHarness({ timers });
    harness.claim(ALICE);
    harness.apply({ type: "extend", user: ALICE });
    expect(harness.state.session!.expiresAt).toBe(T0 + 50 * MINUTE);
  });

  it("is refused to anyone but the holder, when extensions are off, and for a session without expiry", () => {
    const harness = onlineHarness({ timers });
    harness.claim(ALICE);
    expect(harness.apply({ type: "extend", user: BOB }).rejection?.code).toBe(ErrorCode.NOT_OWNER);
    const off = onlineHarness({ timers: { ...timers, maxSessionExtensionMs: 0 } });
    off.claim(ALICE);
    expect(off.apply({ type: "extend", user: ALICE }).rejection?.code).toBe(ErrorCode.EXTENSION_REFUSED);
    const endless = onlineHarness({ timers: { ...timers, maxSessionMs: 0 } });
    endless.claim(ALICE);
    expect(sentenceOf(endless.apply({ type: "extend", user: ALICE }).rejection)).toContain("no expiry");
  });

  it("keeps the added time when a run re-computes the expiry from its type's cap", () => {
    const harness = onlineHarness({ timers: { ...timers, maxSessionMsByType: { weigh: 10 * MINUTE } } });
    harness.claim(ALICE);
    harness.apply({ type: "extend", user: ALICE, byMs: 5 * MINUTE });
    harness.run(ALICE, WEIGH.name, { sampleId: "s-1" });
    expect(harness.state.session!.expiresAt).toBe(T0 + 15 * MINUTE);
  });
});

describe("capSession (the daily quota)", () => {
  it("brings the expiry forward to the quota's end, and extension cannot pass it", () => {
    const harness = onlineHarness({ timers });
    harness.claim(ALICE);
    harness.apply({ type: "capSession", userId: ALICE.userId, until: T0 + 20 * MINUTE });
    expect(harness.state.session!.expiresAt).toBe(T0 + 20 * MINUTE);
    const refused = harness.apply({ type: "extend", user: ALICE });
    expect(refused.rejection?.code).toBe(ErrorCode.EXTENSION_REFUSED);
    expect(sentenceOf(refused.rejection)).toContain("daily quota");
  });

  it("lets an extension reach the quota's end and no further", () => {
    const harness = onlineHarness({ timers });
    harness.claim(ALICE);
    harness.apply({ type: "capSession", userId: ALICE.userId, until: T0 + 40 * MINUTE });
    expect(harness.state.session!.expiresAt).toBe(T0 + 30 * MINUTE);
    harness.apply({ type: "extend", user: ALICE, byMs: 20 * MINUTE });
    expect(harness.state.session!.expiresAt).toBe(T0 + 40 * MINUTE);
  });

  it("gives a session without a cap an expiry, and ignores another user's session", () => {
    const harness = onlineHarness({ timers: { ...timers, maxSessionMs: 0 } });
    harness.claim(ALICE);
    harness.apply({ type: "capSession", userId: BOB.userId, until: T0 + MINUTE });
    expect(harness.state.session!.expiresAt).toBe(0);
    harness.apply({ type: "capSession", userId: ALICE.userId, until: T0 + 10 * MINUTE });
    expect(harness.state.session!.expiresAt).toBe(T0 + 10 * MINUTE);
    expect(effectsOf(harness.advanceAndTick(10 * MINUTE), "sessionEnded").map((effect) => effect.reason)).toEqual([EndReason.MAX_DURATION]);
  });
});
