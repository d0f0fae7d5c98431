/**
 * Every timer of a session, driven by a fake clock: the room arms one timer for
 * `nextDeadline` and reduces `tick` when it fires. No test here sleeps.
 */
import { describe, expect, it } from "vitest";
import { EndReason, ErrorCode, Phase } from "@baton/protocol";
import { activeDeadlines, dueDeadline, nextDeadline } from "./deadlines.ts";
import { phaseOf } from "./phase.ts";
import {
  ALICE, BOB, CALIBRATE, SessionHarness, T0, TIMERS, WEIGH, deviceMessages, effectTypes, effectsOf, onlineHarness,
} from "./testing.ts";

function endReasons(harness: SessionHarness): string[] {
  return effectsOf(harness.allEffects, "sessionEnded").map((effect) => effect.reason);
}

describe("nextDeadline", () => {
  it("is null for a device that never connected, an idle online device and after a session ended", () => {
    const harness = new SessionHarness();
    expect(nextDeadline(harness.state, harness.timers)).toBeNull();
    harness.hello();
    expect(nextDeadline(harness.state, harness.timers)).toBeNull();
    harness.claim(ALICE);
    expect(nextDeadline(harness.state, harness.timers)).not.toBeNull();
    harness.apply({ type: "release", user: ALICE });
    expect(nextDeadline(harness.state, harness.timers)).toBeNull();
  });

  it("is null for an idle device that is offline (no device_lost without a session)", () => {
    const harness = onlineHarness();
    harness.apply({ type: "deviceDisconnected" });
    expect(activeDeadlines(harness.state, harness.timers)).toEqual([]);
  });

  it("is the idle timeout for a fresh session, before the session's hard cap", () => {
    const harness = onlineHarness();
    harness.claim(ALICE);
    expect(nextDeadline(harness.state, harness.timers)).toEqual({ at: T0 + TIMERS.ownerIdleTimeoutMs, kind: EndReason.IDLE_TIMEOUT });
  });

  it("is the run's step deadline while a run is in flight, and never the idle timeout", () => {
    const harness = onlineHarness();
    harness.claim(ALICE);
    harness.run(ALICE, WEIGH.name, { sampleId: "S-1" });
    expect(nextDeadline(harness.state, harness.timers)).toEqual({ at: T0 + TIMERS.runStepTimeoutMs, kind: "run_timeout" });
    expect(activeDeadlines(harness.state, harness.timers).map((deadline) => deadline.kind)).not.toContain(EndReason.IDLE_TIMEOUT);
  });

  it("is the run's hard deadline when that comes before the step deadline", () => {
    const harness = onlineHarness();
    harness.claim(ALICE);
    harness.run(ALICE, CALIBRATE.name, { reference: 1 });
    harness.advance(CALIBRATE.maxDurationMs - 1_000);
    harness.progress(0.99);
    expect(nextDeadline(harness.state, harness.timers)).toEqual({ at: T0 + CALIBRATE.maxDurationMs, kind: "run_timeout" });
  });

  it("is absent when every timer of a session is disabled and no run is in flight", () => {
    const harness = onlineHarness({ timers: { ownerIdleTimeoutMs: 0, maxSessionMs: 0 } });
    harness.claim(ALICE);
    expect(nextDeadline(harness.state, harness.timers)).toBeNull();
    expect(harness.advanceAndTick(10 * 24 * 3600 * 1000).effects).toEqual([]);
    expect(harness.state.session?.holder).toEqual(ALICE);
  });

  it("leaves the state untouched on a tick before any deadline", () => {
    const harness = onlineHarness();
    harness.claim(ALICE);
    const before = harness.state;
    const outcome = harness.advanceAndTick(TIMERS.ownerIdleTimeoutMs - 1);
    expect(outcome.effects).toEqual([]);
    expect(outcome.state).toBe(before);
  });
});

describe("owner reconnect grace", () => {
  it("ends the session with owner_lost when the owner stays away for the grace period", () => {
    const harness = onlineHarness();
    harness.claim(ALICE);
    harness.apply({ type: "ownerDisconnected", userId: ALICE.userId });
    expect(nextDeadline(harness.state, harness.timers)).toEqual({ at: T0 + TIMERS.ownerReconnectGraceMs, kind: EndReason.OWNER_LOST });

    expect(harness.advanceAndTick(TIMERS.ownerReconnectGraceMs - 1).effects).toEqual([]);
    const outcome = harness.advanceAndTick(1);
    expect(outcome.effects).toEqual([{ type: "sessionEnded", holder: ALICE, epoch: 1, reason: EndReason.OWNER_LOST }]);
    expect(harness.state.lastEndReason).toBe(EndReason.OWNER_LOST);
    expect(phaseOf(harness.state)).toBe(Phase.IDLE);
    expect(nextDeadline(harness.state, harness.timers)).toBeNull();
  });

  it("keeps the session and epoch when the owner reconnects within the grace", () => {
    const harness = onlineHarness();
    harness.claim(ALICE);
    harness.apply({ type: "ownerDisconnected", userId: ALICE.userId });
    harness.advance(TIMERS.ownerReconnectGraceMs - 1);
    harness.apply({ type: "ownerReconnected", userId: ALICE.userId });

    harness.advanceAndTick(TIMERS.ownerReconnectGraceMs * 2);
    expect(harness.state.session?.holder).toEqual(ALICE);
    expect(harness.state.epoch).toBe(1);
    expect(endReasons(harness)).toEqual([]);
  });

  it("cancels a run in flight on the device when the owner is lost", () => {
    const harness = onlineHarness({ timers: { runStepTimeoutMs: 60_000 } });
    harness.claim(ALICE);
    harness.run(ALICE, CALIBRATE.name, { reference: 1 });
    harness.apply({ type: "ownerDisconnected", userId: ALICE.userId });
    for (let elapsed = 0; elapsed < TIMERS.ownerReconnectGraceMs; elapsed += 4_000) {
      harness.advanceAndTick(4_000);
      if (harness.state.session?.run) harness.progress(0.1);
    }
    expect(deviceMessages(harness.allEffects)).toContainEqual(["cancel", { epoch: 1, runId: "run-1" }]);
    expect(effectsOf(harness.allEffects, "deliverFailure")[0].code).toBe(ErrorCode.CANCELLED);
    expect(endReasons(harness)).toEqual([EndReason.OWNER_LOST]);
  });
});

describe("owner idle timeout", () => {
  it("ends a session with idle_timeout when the owner does nothing while no run is in flight", () => {
    const harness = onlineHarness();
    harness.claim(ALICE);
    const outcome = harness.advanceAndTick(TIMERS.ownerIdleTimeoutMs);
    expect(effectsOf(outcome, "sessionEnded")[0].reason).toBe(EndReason.IDLE_TIMEOUT);
    expect(harness.state.lastEndReason).toBe(EndReason.IDLE_TIMEOUT);
  });

  it("never fires while a run is in flight, and counts from the end of the run", () => {
    const harness = onlineHarness();
    harness.claim(ALICE);
    harness.run(ALICE, CALIBRATE.name, { reference: 1 });
    // Well beyond the idle timeout, kept alive by progress.
    for (let elapsed = 0; elapsed < TIMERS.ownerIdleTimeoutMs * 2; elapsed += 4_000) {
      harness.advanceAndTick(4_000);
      harness.progress(0.5);
    }
    expect(endReasons(harness)).toEqual([]);
    harness.result({ offset: 0 });
    const endedAt = harness.now;

    harness.advanceAndTick(TIMERS.ownerIdleTimeoutMs - 1);
    expect(harness.state.session).not.toBeNull();
    harness.advanceAndTick(1);
    expect(endReasons(harness)).toEqual([EndReason.IDLE_TIMEOUT]);
    expect(harness.now - endedAt).toBe(TIMERS.ownerIdleTimeoutMs);
  });

  it("is pushed back by each run the owner starts", () => {
    const harness = onlineHarness();
    harness.claim(ALICE);
    harness.advance(TIMERS.ownerIdleTimeoutMs - 1_000);
    harness.run(ALICE, WEIGH.name, { sampleId: "S-1" });
    harness.result({});
    harness.advanceAndTick(TIMERS.ownerIdleTimeoutMs - 1);
    expect(harness.state.session).not.toBeNull();
  });

  it("is off when ownerIdleTimeoutMs is 0", () => {
    const harness = onlineHarness({ timers: { ownerIdleTimeoutMs: 0 } });
    harness.claim(ALICE);
    harness.advanceAndTick(TIMERS.maxSessionMs - 1);
    expect(harness.state.session?.holder).toEqual(ALICE);
  });
});

describe("maximum session length", () => {
  it("ends a session with max_duration at maxSessionMs even with an active owner", () => {
    const harness = onlineHarness({ timers: { maxSessionMs: 300_000 } });
    harness.claim(ALICE);
    for (let elapsed = 0; elapsed < 300_000 - 60_000; elapsed += 60_000) {
      harness.advanceAndTick(60_000);
      harness.run(ALICE, WEIGH.name, { sampleId: "S" });
      harness.result({});
    }
    expect(harness.state.session).not.toBeNull();
    harness.advanceAndTick(60_000);
    expect(endReasons(harness)).toEqual([EndReason.MAX_DURATION]);
    expect(harness.now).toBe(T0 + 300_000);
  });

  it("fails a run in flight with RUN_TIMEOUT and cancels it on the device", () => {
    const harness = onlineHarness({ timers: { maxSessionMs: 20_000 } });
    harness.claim(ALICE);
    harness.run(ALICE, CALIBRATE.name, { reference: 1 });
    for (let elapsed = 0; elapsed < 16_000; elapsed += 4_000) {
      harness.advanceAndTick(4_000);
      harness.progress(0.5);
    }
    const outcome = harness.advanceAndTick(4_000);
    expect(effectTypes(outcome)).toEqual(["sendToDevice:cancel", "runFailed", "deliverFailure", "sessionEnded"]);
    expect(effectsOf(outcome, "deliverFailure")[0].code).toBe(ErrorCode.RUN_TIMEOUT);
    expect(effectsOf(outcome, "sessionEnded")[0].reason).toBe(EndReason.MAX_DURATION);
  });
});

describe("run timeouts", () => {
  it("fails a run that reports nothing for the step timeout with RUN_TIMEOUT and cancels it on the device", () => {
    const harness = onlineHarness();
    harness.claim(ALICE);
    harness.run(ALICE, WEIGH.name, { sampleId: "S-1" });
    harness.apply({ type: "deviceAccepted", epoch: 1, runId: "run-1" });

    expect(harness.advanceAndTick(TIMERS.runStepTimeoutMs - 1).effects).toEqual([]);
    const outcome = harness.advanceAndTick(1);
    expect(effectTypes(outcome)).toEqual(["sendToDevice:cancel", "runFailed", "deliverFailure"]);
    expect(deviceMessages(outcome)).toEqual([["cancel", { epoch: 1, runId: "run-1" }]]);
    expect(effectsOf(outcome, "deliverFailure")[0]).toMatchObject({ userId: ALICE.userId, runId: "run-1", code: ErrorCode.RUN_TIMEOUT });
    expect(phaseOf(harness.state)).toBe(Phase.FAILED);
    expect(harness.state.session?.holder).toEqual(ALICE);
  });

  it("ends a one-shot session with run_failed when its run times out", () => {
    const harness = onlineHarness();
    harness.claim(ALICE, { sessionType: WEIGH.name, input: { sampleId: "S-1" }, releaseOnComplete: true });
    const outcome = harness.advanceAndTick(TIMERS.runStepTimeoutMs);
    expect(effectTypes(outcome)).toEqual(["sendToDevice:cancel", "runFailed", "deliverFailure", "sessionEnded"]);
    expect(effectsOf(outcome, "sessionEnded")[0].reason).toBe(EndReason.RUN_FAILED);
    expect(phaseOf(harness.state)).toBe(Phase.IDLE);
  });

  it("keeps a long run that keeps reporting progress alive far beyond the step timeout", () => {
    const harness = onlineHarness();
    harness.claim(ALICE);
    harness.run(ALICE, CALIBRATE.name, { reference: 1 });
    const stepMs = CALIBRATE.stepTimeoutMs!;
    for (let elapsed = 0; elapsed < 100 * stepMs; elapsed += stepMs - 1) {
      expect(harness.advanceAndTick(stepMs - 1).effects).toEqual([]);
      harness.progress(Math.min(1, elapsed / CALIBRATE.maxDurationMs));
    }
    expect(harness.currentRun.runId).toBe("run-1");
    const outcome = harness.result({ offset: 0.2 });
    expect(effectsOf(outcome, "deliverFailure")).toEqual([]);
    expect(effectsOf(outcome, "deliverResult")).toHaveLength(1);
    expect(effectsOf(harness.allEffects, "runFailed")).toEqual([]);
  });

  it("fails a run at its hard deadline (maxDurationMs) even while it reports progress", () => {
    const harness = onlineHarness();
    harness.claim(ALICE);
    harness.run(ALICE, CALIBRATE.name, { reference: 1 });
    while (harness.now + 4_000 < T0 + CALIBRATE.maxDurationMs) {
      harness.advanceAndTick(4_000);
      harness.progress(0.5);
    }
    expect(harness.state.session?.run).not.toBeNull();
    const outcome = harness.advanceAndTick(T0 + CALIBRATE.maxDurationMs - harness.now);
    expect(effectsOf(outcome, "runFailed")[0]).toMatchObject({ runId: "run-1", code: ErrorCode.RUN_TIMEOUT });
    expect(deviceMessages(outcome)).toEqual([["cancel", { epoch: 1, runId: "run-1" }]]);
  });

  it("does not time a run out while the device is offline (its grace governs) but does once it is back", () => {
    const harness = onlineHarness({ timers: { deviceGraceMs: 60_000 } });
    harness.claim(ALICE);
    harness.run(ALICE, WEIGH.name, { sampleId: "S-1" });
    harness.apply({ type: "deviceDisconnected" });
    expect(nextDeadline(harness.state, harness.timers)).toEqual({ at: T0 + 60_000, kind: EndReason.DEVICE_LOST });
    expect(harness.advanceAndTick(30_000).effects).toEqual([]);
    harness.hello();
    expect(nextDeadline(harness.state, harness.timers)).toEqual({ at: harness.now + TIMERS.runStepTimeoutMs, kind: "run_timeout" });
    const outcome = harness.advanceAndTick(TIMERS.runStepTimeoutMs);
    expect(effectsOf(outcome, "runFailed")[0].code).toBe(ErrorCode.RUN_TIMEOUT);
  });
});

describe("device grace", () => {
  it("ends the session with device_lost when the device stays offline beyond deviceGraceMs", () => {
    const harness = onlineHarness();
    harness.claim(ALICE);
    harness.run(ALICE, WEIGH.name, { sampleId: "S-1" });
    harness.advance(1_000);
    harness.apply({ type: "deviceDisconnected" });
    expect(harness.advanceAndTick(TIMERS.deviceGraceMs - 1).effects).toEqual([]);

    const outcome = harness.advanceAndTick(1);
    // The device is gone: no cancel is sent; the holder learns the run failed with the device.
    expect(effectTypes(outcome)).toEqual(["runFailed", "deliverFailure", "sessionEnded"]);
    expect(effectsOf(outcome, "deliverFailure")[0].code).toBe(ErrorCode.DEVICE_FAILED);
    expect(effectsOf(outcome, "sessionEnded")[0].reason).toBe(EndReason.DEVICE_LOST);
    expect(harness.state.lastEndReason).toBe(EndReason.DEVICE_LOST);
    expect(nextDeadline(harness.state, harness.timers)).toBeNull();
  });

  it("ends a session without a run with device_lost too", () => {
    const harness = onlineHarness();
    harness.claim(ALICE);
    harness.apply({ type: "deviceDisconnected" });
    harness.advanceAndTick(TIMERS.deviceGraceMs);
    expect(endReasons(harness)).toEqual([EndReason.DEVICE_LOST]);
  });

  it("counts the grace from the moment the device disconnected", () => {
    const harness = onlineHarness();
    harness.claim(ALICE);
    harness.advance(5_000);
    harness.apply({ type: "deviceDisconnected" });
    expect(nextDeadline(harness.state, harness.timers)).toEqual({ at: T0 + 5_000 + TIMERS.deviceGraceMs, kind: EndReason.DEVICE_LOST });
  });
});

describe("several deadlines at one tick", () => {
  it("fires the earliest first: device_lost before owner_lost, and only one session end", () => {
    const harness = onlineHarness();
    harness.claim(ALICE);
    harness.apply({ type: "ownerDisconnected", userId: ALICE.userId }); // owner_lost at T0 + 30 s
    harness.advance(5_000);
    harness.apply({ type: "deviceDisconnected" }); // device_lost at T0 + 25 s
    expect(dueDeadline(harness.state, harness.timers, T0 + 60_000)).toEqual({ at: T0 + 25_000, kind: EndReason.DEVICE_LOST });

    const outcome = harness.advanceAndTick(55_000);
    expect(effectsOf(outcome, "sessionEnded")).toEqual([{ type: "sessionEnded", holder: ALICE, epoch: 1, reason: EndReason.DEVICE_LOST }]);
  });

  it("fires owner_lost first when it came first", () => {
    const harness = onlineHarness();
    harness.claim(ALICE);
    harness.apply({ type: "ownerDisconnected", userId: ALICE.userId }); // owner_lost at T0 + 30 s
    harness.advance(15_000);
    harness.apply({ type: "deviceDisconnected" }); // device_lost at T0 + 35 s
    const outcome = harness.advanceAndTick(60_000);
    expect(effectsOf(outcome, "sessionEnded").map((effect) => effect.reason)).toEqual([EndReason.OWNER_LOST]);
  });

  it("times the run out first, then ends the session, when both passed at one tick", () => {
    const harness = onlineHarness();
    harness.claim(ALICE);
    harness.run(ALICE, WEIGH.name, { sampleId: "S-1" }); // run_timeout at T0 + 10 s
    harness.apply({ type: "ownerDisconnected", userId: ALICE.userId }); // owner_lost at T0 + 30 s

    const outcome = harness.advanceAndTick(45_000);
    expect(effectTypes(outcome)).toEqual(["sendToDevice:cancel", "runFailed", "deliverFailure", "sessionEnded"]);
    expect(effectsOf(outcome, "runFailed")[0].code).toBe(ErrorCode.RUN_TIMEOUT);
    expect(effectsOf(outcome, "sessionEnded")[0].reason).toBe(EndReason.OWNER_LOST);
    expect(harness.state.lastEndReason).toBe(EndReason.OWNER_LOST);
  });

  it("ends with max_duration, not idle_timeout, when the cap comes first", () => {
    const harness = onlineHarness({ timers: { maxSessionMs: 60_000, ownerIdleTimeoutMs: 120_000 } });
    harness.claim(ALICE);
    harness.advanceAndTick(500_000);
    expect(endReasons(harness)).toEqual([EndReason.MAX_DURATION]);
  });

  it("leaves nothing pending after a tick that ended the session, and the next holder starts clean", () => {
    const harness = onlineHarness();
    harness.claim(ALICE);
    harness.apply({ type: "ownerDisconnected", userId: ALICE.userId });
    harness.advanceAndTick(TIMERS.ownerReconnectGraceMs);
    expect(nextDeadline(harness.state, harness.timers)).toBeNull();
    expect(harness.tick().effects).toEqual([]);
    harness.claim(BOB);
    expect(harness.state.epoch).toBe(2);
    expect(harness.state.session?.ownerLostAt).toBe(0);
  });
});
