/**
 * Device reports and presence: fencing by epoch and run id, orphaned and duplicate results,
 * progress, the welcome a (re)connecting device gets, and online/offline transitions.
 */
import { describe, expect, it } from "vitest";
import { DeviceConnection, ErrorCode, Phase } from "@baton/protocol";
import { welcomeFor } from "./phase.ts";
import {
  sentenceOf, ALICE, BOB, CALIBRATE, SessionHarness, T0, WEIGH, deviceMessages, effectTypes, effectsOf, ignoringLiveness, onlineHarness,
} from "./testing.ts";

/** Alice holds the device (epoch 1) and run-1 (weigh) is in flight. */
function runningForAlice(): SessionHarness {
  const harness = onlineHarness();
  harness.claim(ALICE);
  harness.run(ALICE, WEIGH.name, { sampleId: "S-1" });
  return harness;
}

/** Alice's session ended, Bob holds the device at epoch 2 and run-2 is in flight. */
function bobRunningAfterAlice(): SessionHarness {
  const harness = runningForAlice();
  harness.apply({ type: "release", user: ALICE });
  harness.claim(BOB);
  harness.run(BOB, WEIGH.name, { sampleId: "S-2" });
  return harness;
}

describe("fencing of device reports", () => {
  const staleReports = [
    { type: "deviceAccepted", epoch: 1, runId: "run-1" },
    { type: "deviceProgress", epoch: 1, runId: "run-1", progress: 0.9 },
    { type: "deviceFailed", epoch: 1, runId: "run-1", code: "OVERLOAD", message: "" },
  ] as const;

  for (const report of staleReports) {
    it(`refuses ${report.type} with a stale epoch as STALE_EPOCH and changes nothing`, () => {
      const harness = bobRunningAfterAlice();
      const before = harness.state;
      const outcome = harness.apply(report);
      expect(outcome.rejection).toMatchObject({ code: ErrorCode.STALE_EPOCH, params: { epoch: 1, currentEpoch: 2 } });
      expect(sentenceOf(outcome.rejection)).toContain("Epoch 1 is not the current epoch 2");
      expect(outcome.effects).toEqual([]);
      expect(ignoringLiveness(outcome.state)).toEqual(ignoringLiveness(before));
    });

    it(`refuses ${report.type} with the current epoch but a wrong runId as UNKNOWN_RUN`, () => {
      const harness = bobRunningAfterAlice();
      const before = harness.state;
      const outcome = harness.apply({ ...report, epoch: 2, runId: "run-999" });
      expect(outcome.rejection).toMatchObject({ code: ErrorCode.UNKNOWN_RUN, params: { runId: "run-999", currentRunId: "run-2" } });
      expect(sentenceOf(outcome.rejection)).toContain("run-2");
      expect(outcome.effects).toEqual([]);
      expect(ignoringLiveness(outcome.state)).toEqual(ignoringLiveness(before));
    });
  }

  it("refuses a report when no run is in flight as UNKNOWN_RUN", () => {
    const harness = onlineHarness();
    harness.claim(ALICE);
    const outcome = harness.apply({ type: "deviceAccepted", epoch: 1, runId: "run-1" });
    expect(outcome.rejection?.code).toBe(ErrorCode.UNKNOWN_RUN);
  });

  it("refuses a report from the future epoch as STALE_EPOCH", () => {
    const harness = runningForAlice();
    expect(harness.apply({ type: "deviceAccepted", epoch: 7, runId: "run-1" }).rejection?.code).toBe(ErrorCode.STALE_EPOCH);
  });

  it("marks the run accepted on a current accepted report", () => {
    const harness = runningForAlice();
    const outcome = harness.apply({ type: "deviceAccepted", epoch: 1, runId: "run-1" });
    expect(outcome.rejection).toBeUndefined();
    expect(outcome.effects).toEqual([]);
    expect(harness.currentRun.accepted).toBe(true);
  });
});

describe("results", () => {
  it("records a stale-epoch result as orphaned and acks it, never delivering it to the current holder", () => {
    const harness = bobRunningAfterAlice();
    const outcome = harness.apply({ type: "deviceResult", epoch: 1, runId: "run-1", output: { grams: 99 } });

    expect(outcome.rejection?.code).toBe(ErrorCode.STALE_EPOCH);
    expect(effectTypes(outcome)).toEqual(["orphanedResult", "sendToDevice:ack"]);
    expect(outcome.effects[0]).toEqual({ type: "orphanedResult", epoch: 1, runId: "run-1", reason: ErrorCode.STALE_EPOCH, output: { grams: 99 } });
    expect(deviceMessages(outcome)).toEqual([["ack", { runId: "run-1" }]]);
    expect(harness.state.orphanedResults).toBe(1);
    expect(harness.currentRun.runId).toBe("run-2");
    expect(harness.state.session?.holder).toEqual(BOB);
  });

  it("names the owner of a late result for a run that timed out in the current session (late, not orphaned)", () => {
    const harness = runningForAlice();
    harness.advanceAndTick(60_000); // the run times out (its step window, then its hard deadline)
    expect(harness.state.session?.lastRun).toMatchObject({ runId: "run-1", ok: false, failureCode: ErrorCode.RUN_TIMEOUT });
    const outcome = harness.apply({ type: "deviceResult", epoch: 1, runId: "run-1", output: { grams: 7 } });
    expect(outcome.rejection?.code).toBe(ErrorCode.UNKNOWN_RUN); // the device's fencing is unchanged
    expect(effectsOf(outcome, "orphanedResult")).toEqual([
      { type: "orphanedResult", epoch: 1, runId: "run-1", reason: ErrorCode.UNKNOWN_RUN, output: { grams: 7 }, owner: { userId: ALICE.userId, sessionType: WEIGH.name, ended: ErrorCode.RUN_TIMEOUT } },
    ]);
    expect(deviceMessages(outcome)).toEqual([["ack", { runId: "run-1" }]]);
  });

  it("names the owner of a late result for a run the owner cancelled", () => {
    const harness = runningForAlice();
    harness.apply({ type: "cancel", user: ALICE });
    const outcome = harness.apply({ type: "deviceResult", epoch: 1, runId: "run-1", output: { grams: 8 } });
    expect(effectsOf(outcome, "orphanedResult")[0]?.owner).toEqual({ userId: ALICE.userId, sessionType: WEIGH.name, ended: ErrorCode.CANCELLED });
  });

  it("names no owner for a result of an earlier epoch (the store's history does) nor for a run it never started", () => {
    expect(effectsOf(bobRunningAfterAlice().apply({ type: "deviceResult", epoch: 1, runId: "run-1", output: {} }), "orphanedResult")[0]?.owner).toBeUndefined();
    expect(effectsOf(runningForAlice().apply({ type: "deviceResult", epoch: 1, runId: "run-x", output: {} }), "orphanedResult")[0]?.owner).toBeUndefined();
  });

  it("records a result for an unknown run of the current epoch as orphaned and acks it", () => {
    const harness = runningForAlice();
    const outcome = harness.apply({ type: "deviceResult", epoch: 1, runId: "run-old", output: {} });
    expect(outcome.rejection?.code).toBe(ErrorCode.UNKNOWN_RUN);
    expect(effectTypes(outcome)).toEqual(["orphanedResult", "sendToDevice:ack"]);
    expect(harness.currentRun.runId).toBe("run-1");
  });

  it("acks an orphaned result re-sent after a lost ack without counting it again", () => {
    const harness = bobRunningAfterAlice();
    harness.apply({ type: "deviceResult", epoch: 1, runId: "run-1", output: {} });
    const again = harness.apply({ type: "deviceResult", epoch: 1, runId: "run-1", output: {} });
    expect(again.effects).toEqual([{ type: "sendToDevice", message: "ack", payload: { runId: "run-1" } }]);
    expect(harness.state.orphanedResults).toBe(1);
  });

  it("acks a duplicate result (same runId re-sent after a lost ack) again but delivers it once", () => {
    const harness = runningForAlice();
    const first = harness.apply({ type: "deviceResult", epoch: 1, runId: "run-1", output: { grams: 5 } });
    const duplicate = harness.apply({ type: "deviceResult", epoch: 1, runId: "run-1", output: { grams: 5 } });

    expect(effectsOf(first, "deliverResult")).toHaveLength(1);
    expect(duplicate.rejection).toBeUndefined();
    expect(duplicate.effects).toEqual([{ type: "sendToDevice", message: "ack", payload: { runId: "run-1" } }]);
    expect(ignoringLiveness(duplicate.state)).toEqual(ignoringLiveness(first.state));
    expect(effectsOf(harness.allEffects, "deliverResult")).toHaveLength(1);
  });

  it("recognises a duplicate result after the session ended and another holder took over", () => {
    const harness = runningForAlice();
    harness.result({ grams: 5 });
    harness.apply({ type: "release", user: ALICE });
    harness.claim(BOB);
    harness.run(BOB, WEIGH.name, { sampleId: "S-2" });

    const duplicate = harness.apply({ type: "deviceResult", epoch: 1, runId: "run-1", output: { grams: 5 } });
    expect(duplicate.effects).toEqual([{ type: "sendToDevice", message: "ack", payload: { runId: "run-1" } }]);
    expect(effectsOf(harness.allEffects, "deliverResult").map((effect) => effect.userId)).toEqual([ALICE.userId]);
    expect(harness.state.orphanedResults).toBe(0);
  });

  it("still delivers the current run's result after a stale-epoch report claimed the same runId", () => {
    // A device bug (or a forged report) must not poison the genuine result of the run in flight.
    const harness = runningForAlice();
    harness.apply({ type: "deviceResult", epoch: 0, runId: "run-1", output: { forged: true } });
    const genuine = harness.apply({ type: "deviceResult", epoch: 1, runId: "run-1", output: { grams: 5 } });
    expect(effectsOf(genuine, "deliverResult")).toEqual([
      { type: "deliverResult", userId: ALICE.userId, runId: "run-1", sessionType: WEIGH.name, output: { grams: 5 }, epoch: 1 },
    ]);
  });

  it("remembers at most 64 completed run ids, forgetting the oldest", () => {
    const harness = onlineHarness();
    harness.claim(ALICE);
    for (let index = 0; index < 70; index++) {
      harness.run(ALICE, WEIGH.name, { sampleId: `S-${index}` });
      harness.result({ grams: index });
    }
    expect(harness.state.recentlyCompletedRunIds).toHaveLength(64);
    expect(harness.state.recentlyCompletedRunIds[0]).toBe("run-7");
    expect(harness.state.recentlyCompletedRunIds.at(-1)).toBe("run-70");
    // A forgotten run's result is no longer the current run: refused and orphaned, still not delivered.
    const late = harness.apply({ type: "deviceResult", epoch: 1, runId: "run-1", output: {} });
    expect(late.rejection?.code).toBe(ErrorCode.UNKNOWN_RUN);
    expect(effectsOf(late, "deliverResult")).toEqual([]);
  });

  it("refuses a late result after the run timed out and never delivers it", () => {
    const harness = runningForAlice();
    harness.advanceAndTick(harness.timers.runStepTimeoutMs);
    const late = harness.apply({ type: "deviceResult", epoch: 1, runId: "run-1", output: {} });
    expect(late.rejection?.code).toBe(ErrorCode.UNKNOWN_RUN);
    expect(effectsOf(late, "deliverResult")).toEqual([]);
    expect(deviceMessages(late)).toEqual([["ack", { runId: "run-1" }]]);
  });
});

describe("progress", () => {
  it("never goes backwards and keeps the last message when a report has none", () => {
    const harness = runningForAlice();
    harness.progress(0.4, "taring");
    harness.progress(0.2);
    expect(harness.currentRun.progress).toBe(0.4);
    expect(harness.currentRun.progressMessage).toBe("taring");
    harness.progress(0.7, "settling");
    expect(harness.currentRun.progress).toBe(0.7);
    expect(harness.currentRun.progressMessage).toBe("settling");
  });

  it("marks the run accepted and resets the step deadline from now", () => {
    const harness = runningForAlice();
    harness.advance(7_000);
    const outcome = harness.progress(0.1);
    expect(outcome.effects).toEqual([]);
    expect(harness.currentRun.accepted).toBe(true);
    expect(harness.currentRun.stepDeadline).toBe(T0 + 7_000 + harness.timers.runStepTimeoutMs);
  });

  it("resets the step deadline with the session type's own step timeout", () => {
    const harness = onlineHarness();
    harness.claim(ALICE);
    harness.run(ALICE, CALIBRATE.name, { reference: 1 });
    harness.advance(4_000);
    harness.progress(0.1);
    expect(harness.currentRun.stepDeadline).toBe(T0 + 4_000 + CALIBRATE.stepTimeoutMs!);
  });
});

describe("hello and welcome", () => {
  it("answers hello on an idle device with welcome {epoch, phase: idle}", () => {
    const harness = new SessionHarness();
    harness.apply({ type: "deviceConnected" });
    expect(harness.state.device.connection).toBe(DeviceConnection.CONNECTING);
    const outcome = harness.hello();
    expect(effectTypes(outcome)).toEqual(["deviceOnline", "sendToDevice:welcome"]);
    expect(deviceMessages(outcome)).toEqual([["welcome", { epoch: 0, phase: Phase.IDLE }]]);
    expect(harness.state.device).toEqual({
      online: true, lastSeenAt: T0, since: T0, connection: DeviceConnection.IDLE, firmware: "scale-fw 1.0.0", sessionTypes: [WEIGH, CALIBRATE],
    });
  });

  it("answers hello mid-run with welcome {epoch, phase, runId, sessionType, input, deadlineMs}", () => {
    const harness = runningForAlice();
    harness.advance(1_000);
    harness.apply({ type: "deviceDisconnected" });
    harness.advance(4_000);
    harness.apply({ type: "deviceConnected" });
    const outcome = harness.hello();

    expect(deviceMessages(outcome)).toEqual([
      ["welcome", { epoch: 1, phase: Phase.RUNNING, runId: "run-1", sessionType: WEIGH.name, input: { sampleId: "S-1" }, deadlineMs: WEIGH.maxDurationMs - 5_000 }],
    ]);
    expect(harness.state.device.connection).toBe(DeviceConnection.ACTIVE);
  });

  it("gives a device that comes back mid-run a fresh step window", () => {
    const harness = runningForAlice();
    harness.apply({ type: "deviceDisconnected" });
    harness.advance(15_000);
    harness.hello();
    expect(harness.currentRun.stepDeadline).toBe(T0 + 15_000 + harness.timers.runStepTimeoutMs);
  });

  it("tells a device that comes back after its run failed: phase failed, no runId", () => {
    const harness = runningForAlice();
    harness.apply({ type: "deviceDisconnected" });
    harness.apply({ type: "cancel", user: ALICE });
    const outcome = harness.hello();
    expect(deviceMessages(outcome)).toEqual([["welcome", { epoch: 1, phase: Phase.FAILED }]]);
  });

  it("reports deadlineMs 0, never negative, once the hard deadline has passed", () => {
    const harness = runningForAlice();
    expect(welcomeFor(harness.state, T0 + WEIGH.maxDurationMs + 5_000).deadlineMs).toBe(0);
  });

  it("replaces the declared session types and firmware on a new hello", () => {
    const harness = onlineHarness();
    harness.hello([CALIBRATE], "scale-fw 2.0.0");
    expect(harness.state.device.firmware).toBe("scale-fw 2.0.0");
    expect(harness.state.device.sessionTypes).toEqual([CALIBRATE]);
    harness.claim(ALICE);
    expect(harness.run(ALICE, WEIGH.name, { sampleId: "S-1" }).rejection?.code).toBe(ErrorCode.UNKNOWN_SESSION_TYPE);
  });
});

describe("online and offline", () => {
  it("emits deviceOffline once on disconnect and deviceOnline once on hello", () => {
    const harness = onlineHarness();
    harness.advance(1_000);

    const offline = harness.apply({ type: "deviceDisconnected" });
    expect(offline.effects).toEqual([{ type: "deviceOffline" }]);
    expect(harness.state.device).toMatchObject({ online: false, since: T0 + 1_000, connection: DeviceConnection.DISCONNECTED });

    harness.advance(1_000);
    expect(harness.apply({ type: "deviceDisconnected" }).effects).toEqual([]);
    expect(harness.state.device.since).toBe(T0 + 1_000);

    harness.advance(1_000);
    const online = harness.hello();
    expect(effectsOf(online, "deviceOnline")).toHaveLength(1);
    expect(harness.state.device).toMatchObject({ online: true, since: T0 + 3_000, connection: DeviceConnection.IDLE });

    harness.advance(1_000);
    const again = harness.hello();
    expect(effectsOf(again, "deviceOnline")).toEqual([]);
    expect(harness.state.device.since).toBe(T0 + 3_000);
    expect(effectsOf(harness.allEffects, "deviceOnline")).toHaveLength(2);
    expect(effectsOf(harness.allEffects, "deviceOffline")).toHaveLength(1);
  });

  it("emits no deviceOffline when a device that never said hello disconnects", () => {
    const harness = new SessionHarness();
    harness.apply({ type: "deviceConnected" });
    expect(harness.apply({ type: "deviceDisconnected" }).effects).toEqual([]);
    expect(harness.state.device.connection).toBe(DeviceConnection.DISCONNECTED);
  });

  it("keeps the session and epoch while the device is briefly away", () => {
    const harness = runningForAlice();
    harness.apply({ type: "deviceDisconnected" });
    harness.advance(harness.timers.deviceGraceMs - 1);
    harness.tick();
    harness.hello();
    expect(harness.state.epoch).toBe(1);
    expect(harness.currentRun.runId).toBe("run-1");
    expect(effectsOf(harness.result({ grams: 2 }), "deliverResult")[0].userId).toBe(ALICE.userId);
  });

  it("shows the device active while running and idle otherwise", () => {
    const harness = onlineHarness();
    harness.claim(ALICE);
    expect(harness.state.device.connection).toBe(DeviceConnection.IDLE);
    harness.run(ALICE, WEIGH.name, { sampleId: "S-1" });
    expect(harness.state.device.connection).toBe(DeviceConnection.ACTIVE);
    harness.result({});
    expect(harness.state.device.connection).toBe(DeviceConnection.IDLE);
  });

  it("treats ready as a no-op for an offline device and restores idle/active for an online one", () => {
    const offline = new SessionHarness();
    const before = offline.state;
    expect(offline.apply({ type: "deviceReady" }).state).toBe(before);

    const harness = runningForAlice();
    expect(harness.apply({ type: "deviceReady" }).effects).toEqual([]);
    expect(harness.state.device.connection).toBe(DeviceConnection.ACTIVE);
  });
});
