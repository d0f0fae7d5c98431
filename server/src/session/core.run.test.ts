/**
 * The holder's commands inside a session: run, cancel, release, and the admin's
 * forceRelease — who may send them, what the device is told, and the phases spectators see.
 */
import { describe, expect, it } from "vitest";
import { EndReason, ErrorCode, Phase } from "@baton/protocol";
import { phaseOf } from "./phase.ts";
import {
  sentenceOf, ALICE, BOB, CALIBRATE, DEVICE_ID, SessionHarness, T0, WEIGH, deviceMessages, effectTypes, effectsOf, onlineHarness,
} from "./testing.ts";

function claimedByAlice(): SessionHarness {
  const harness = onlineHarness();
  harness.claim(ALICE);
  return harness;
}

describe("run", () => {
  it("refuses a run with NOT_OWNER when nobody holds the device", () => {
    const harness = onlineHarness();
    const outcome = harness.run(ALICE, WEIGH.name, { sampleId: "S-1" });
    expect(outcome.rejection).toMatchObject({ code: ErrorCode.NOT_OWNER, params: { reason: "nobodyHolds", action: "start a run" } });
    expect(sentenceOf(outcome.rejection)).toContain("nobody holds");
    expect(outcome.effects).toEqual([]);
    expect(harness.state.session).toBeNull();
  });

  it("refuses a run from a non-holder with NOT_OWNER naming the holder", () => {
    const harness = claimedByAlice();
    const before = harness.state;
    const outcome = harness.run(BOB, WEIGH.name, { sampleId: "S-1" });
    expect(outcome.rejection).toMatchObject({ code: ErrorCode.NOT_OWNER, params: { reason: "heldByOther", holder: expect.stringContaining("Alice") } });
    expect(sentenceOf(outcome.rejection)).toContain("Alice");
    expect(outcome.state).toBe(before);
  });

  it("starts a run for the holder and sends start with the current epoch", () => {
    const harness = claimedByAlice();
    harness.advance(2_000);
    const outcome = harness.run(ALICE, CALIBRATE.name, { reference: 100 });

    expect(effectTypes(outcome)).toEqual(["runStarted", "sendToDevice:start"]);
    expect(deviceMessages(outcome)).toEqual([
      ["start", { epoch: 1, runId: "run-1", sessionType: CALIBRATE.name, input: { reference: 100 }, deadlineMs: CALIBRATE.maxDurationMs }],
    ]);
    const run = harness.currentRun;
    expect(run).toMatchObject({ runId: "run-1", sessionType: CALIBRATE.name, accepted: false, progress: 0, startedAt: T0 + 2_000 });
    expect(run.hardDeadline).toBe(T0 + 2_000 + CALIBRATE.maxDurationMs);
    expect(run.stepDeadline).toBe(T0 + 2_000 + CALIBRATE.stepTimeoutMs!);
    expect(harness.state.session?.lastActivity).toBe(T0 + 2_000);
  });

  it("uses the configured step timeout when the session type declares none, capped by its max duration", () => {
    const harness = onlineHarness({ timers: { runStepTimeoutMs: 10_000 } });
    harness.hello([WEIGH, { ...WEIGH, name: "quick", maxDurationMs: 3_000 }]);
    harness.claim(ALICE);
    harness.run(ALICE, WEIGH.name, { sampleId: "S-1" });
    expect(harness.currentRun.stepDeadline).toBe(T0 + 10_000);
    harness.apply({ type: "cancel", user: ALICE });
    harness.run(ALICE, "quick", { sampleId: "S-1" });
    expect(harness.currentRun.stepDeadline).toBe(T0 + 3_000);
  });

  it("refuses a second run with RUN_IN_PROGRESS while one is in flight", () => {
    const harness = claimedByAlice();
    harness.run(ALICE, WEIGH.name, { sampleId: "S-1" });
    const before = harness.state;
    const outcome = harness.run(ALICE, WEIGH.name, { sampleId: "S-2" });
    expect(outcome.rejection?.code).toBe(ErrorCode.RUN_IN_PROGRESS);
    expect(sentenceOf(outcome.rejection)).toContain("run-1");
    expect(outcome.state).toBe(before);
  });

  it("refuses an unknown session type with UNKNOWN_SESSION_TYPE listing the offered types", () => {
    const harness = claimedByAlice();
    const outcome = harness.run(ALICE, "levitate", {});
    expect(outcome.rejection?.code).toBe(ErrorCode.UNKNOWN_SESSION_TYPE);
    expect(sentenceOf(outcome.rejection)).toContain('"levitate"');
    expect(sentenceOf(outcome.rejection)).toContain("weigh, calibrate");
    expect(phaseOf(harness.state)).toBe(Phase.CLAIMED);
  });

  it("says the device offers none when it declared no session types", () => {
    const harness = onlineHarness();
    harness.hello([]);
    harness.claim(ALICE);
    expect(sentenceOf(harness.run(ALICE, WEIGH.name, {}).rejection)).toContain("it offers: none");
  });

  it("refuses invalid input with INVALID_INPUT and the validator's reason", () => {
    const harness = claimedByAlice();
    const outcome = harness.run(ALICE, WEIGH.name, { sampleId: 42 });
    expect(outcome.rejection?.code).toBe(ErrorCode.INVALID_INPUT);
    expect(sentenceOf(outcome.rejection)).toContain('"sampleId" must be a string');
    expect(harness.state.session?.run).toBeNull();
  });

  it("refuses a run with DEVICE_OFFLINE while the device is away, keeping the session", () => {
    const harness = claimedByAlice();
    harness.apply({ type: "deviceDisconnected" });
    const outcome = harness.run(ALICE, WEIGH.name, { sampleId: "S-1" });
    expect(outcome.rejection?.code).toBe(ErrorCode.DEVICE_OFFLINE);
    expect(harness.state.session?.holder).toEqual(ALICE);
  });

  it("checks ownership before anything else (a stranger learns nothing about types or input)", () => {
    const harness = claimedByAlice();
    harness.apply({ type: "deviceDisconnected" });
    expect(harness.run(BOB, "levitate", {}).rejection?.code).toBe(ErrorCode.NOT_OWNER);
  });

  it("runs a lab session of several runs in a row through claimed → running → completed/failed → running", () => {
    const harness = claimedByAlice();
    const phases = [phaseOf(harness.state)];

    harness.run(ALICE, WEIGH.name, { sampleId: "S-1" });
    phases.push(phaseOf(harness.state));
    harness.progress(0.5);
    const first = harness.result({ grams: 10 });
    phases.push(phaseOf(harness.state));

    harness.run(ALICE, WEIGH.name, { sampleId: "S-2" });
    phases.push(phaseOf(harness.state));
    harness.apply({ type: "deviceFailed", epoch: 1, runId: "run-2", code: "OVERLOAD", message: "" });
    phases.push(phaseOf(harness.state));

    harness.run(ALICE, CALIBRATE.name, { reference: 50 });
    phases.push(phaseOf(harness.state));
    const third = harness.result({ offset: 0.01 });
    phases.push(phaseOf(harness.state));

    expect(phases).toEqual([
      Phase.CLAIMED, Phase.RUNNING, Phase.COMPLETED, Phase.RUNNING, Phase.FAILED, Phase.RUNNING, Phase.COMPLETED,
    ]);
    expect(effectsOf(first, "deliverResult")[0]).toMatchObject({ userId: ALICE.userId, runId: "run-1", output: { grams: 10 } });
    expect(effectsOf(third, "deliverResult")[0]).toMatchObject({ userId: ALICE.userId, runId: "run-3", output: { offset: 0.01 } });
    expect(effectsOf(harness.allEffects, "deliverFailure")).toEqual([
      { type: "deliverFailure", userId: ALICE.userId, runId: "run-2", sessionType: WEIGH.name, code: "OVERLOAD", message: "The device reported OVERLOAD." },
    ]);
    expect(effectsOf(harness.allEffects, "sessionEnded")).toEqual([]);
    expect(harness.state.epoch).toBe(1);
    expect(harness.state.session?.lastRun).toMatchObject({ runId: "run-3", ok: true, output: { offset: 0.01 } });
  });

  it("records the failed run as lastRun with its code and message", () => {
    const harness = claimedByAlice();
    harness.run(ALICE, WEIGH.name, { sampleId: "S-1" });
    harness.apply({ type: "deviceFailed", epoch: 1, runId: "run-1", code: "OVERLOAD", message: "Too heavy." });
    expect(harness.state.session?.lastRun).toEqual({
      runId: "run-1", sessionType: WEIGH.name, input: { sampleId: "S-1" }, ok: false, output: null, failureCode: "OVERLOAD", failureMessage: "Too heavy.",
    });
    // A device failure does not ask the device to cancel: it already stopped.
    expect(deviceMessages(harness.last)).toEqual([["ack", { runId: "run-1" }]]); // the failure arrived; nothing else is sent back
  });
});

describe("cancel", () => {
  it("refuses cancel with NOT_OWNER when nobody holds the device", () => {
    const harness = onlineHarness();
    expect(harness.apply({ type: "cancel", user: ALICE }).rejection?.code).toBe(ErrorCode.NOT_OWNER);
  });

  it("refuses cancel from a non-holder with NOT_OWNER and leaves the run alone", () => {
    const harness = claimedByAlice();
    harness.run(ALICE, WEIGH.name, { sampleId: "S-1" });
    const outcome = harness.apply({ type: "cancel", user: BOB });
    expect(outcome.rejection?.code).toBe(ErrorCode.NOT_OWNER);
    expect(harness.currentRun.runId).toBe("run-1");
  });

  it("refuses cancel with NO_RUN when nothing is running", () => {
    const harness = claimedByAlice();
    const outcome = harness.apply({ type: "cancel", user: ALICE });
    expect(outcome.rejection?.code).toBe(ErrorCode.NO_RUN);
    expect(sentenceOf(outcome.rejection)).toContain(DEVICE_ID);
  });

  it("sends cancel with epoch and runId to the device and delivers a CANCELLED failure to the holder", () => {
    const harness = claimedByAlice();
    harness.run(ALICE, WEIGH.name, { sampleId: "S-1" });
    const outcome = harness.apply({ type: "cancel", user: ALICE });

    expect(outcome.rejection).toBeUndefined();
    expect(effectTypes(outcome)).toEqual(["sendToDevice:cancel", "runFailed", "deliverFailure"]);
    expect(deviceMessages(outcome)).toEqual([["cancel", { epoch: 1, runId: "run-1" }]]);
    expect(effectsOf(outcome, "deliverFailure")[0]).toMatchObject({ userId: ALICE.userId, runId: "run-1", code: ErrorCode.CANCELLED });
    expect(effectsOf(outcome, "runFailed")[0]).toMatchObject({ runId: "run-1", epoch: 1, code: ErrorCode.CANCELLED });
    expect(phaseOf(harness.state)).toBe(Phase.FAILED);
    expect(harness.state.session?.holder).toEqual(ALICE);
  });

  it("does not message an offline device when cancelling, but still tells the holder", () => {
    const harness = claimedByAlice();
    harness.run(ALICE, WEIGH.name, { sampleId: "S-1" });
    harness.apply({ type: "deviceDisconnected" });
    const outcome = harness.apply({ type: "cancel", user: ALICE });
    expect(deviceMessages(outcome)).toEqual([]);
    expect(effectsOf(outcome, "deliverFailure")).toHaveLength(1);
  });

  it("ends a one-shot session with cancelled when its run is cancelled", () => {
    const harness = onlineHarness();
    harness.claim(ALICE, { sessionType: WEIGH.name, input: { sampleId: "S-1" }, releaseOnComplete: true });
    const outcome = harness.apply({ type: "cancel", user: ALICE });
    expect(effectTypes(outcome)).toEqual(["sendToDevice:cancel", "runFailed", "deliverFailure", "sessionEnded"]);
    expect(effectsOf(outcome, "sessionEnded")[0].reason).toBe(EndReason.CANCELLED);
    expect(phaseOf(harness.state)).toBe(Phase.IDLE);
  });

  it("refuses the device's late result for a cancelled run and never delivers it", () => {
    const harness = claimedByAlice();
    harness.run(ALICE, WEIGH.name, { sampleId: "S-1" });
    harness.apply({ type: "cancel", user: ALICE });
    const outcome = harness.apply({ type: "deviceResult", epoch: 1, runId: "run-1", output: { grams: 1 } });
    expect(outcome.rejection?.code).toBe(ErrorCode.UNKNOWN_RUN);
    expect(effectsOf(outcome, "deliverResult")).toEqual([]);
    expect(effectsOf(outcome, "orphanedResult")).toHaveLength(1);
    expect(deviceMessages(outcome)).toEqual([["ack", { runId: "run-1" }]]);
  });
});

describe("release and forceRelease", () => {
  it("refuses release with NOT_OWNER from a non-holder and when nobody holds the device", () => {
    const harness = onlineHarness();
    expect(harness.apply({ type: "release", user: ALICE }).rejection?.code).toBe(ErrorCode.NOT_OWNER);
    harness.claim(ALICE);
    const outcome = harness.apply({ type: "release", user: BOB });
    expect(outcome.rejection?.code).toBe(ErrorCode.NOT_OWNER);
    expect(harness.state.session?.holder).toEqual(ALICE);
  });

  it("ends an idle session with released", () => {
    const harness = claimedByAlice();
    const outcome = harness.apply({ type: "release", user: ALICE });
    expect(outcome.effects).toEqual([{ type: "sessionEnded", holder: ALICE, epoch: 1, reason: EndReason.RELEASED }]);
    expect(harness.state.session).toBeNull();
    expect(harness.state.lastEndReason).toBe(EndReason.RELEASED);
    expect(phaseOf(harness.state)).toBe(Phase.IDLE);
  });

  it("cancels a run in flight on the device before ending with released", () => {
    const harness = claimedByAlice();
    harness.run(ALICE, WEIGH.name, { sampleId: "S-1" });
    const outcome = harness.apply({ type: "release", user: ALICE });
    expect(effectTypes(outcome)).toEqual(["sendToDevice:cancel", "runFailed", "deliverFailure", "sessionEnded"]);
    expect(deviceMessages(outcome)).toEqual([["cancel", { epoch: 1, runId: "run-1" }]]);
    expect(effectsOf(outcome, "deliverFailure")[0].code).toBe(ErrorCode.CANCELLED);
    expect(effectsOf(outcome, "sessionEnded")[0].reason).toBe(EndReason.RELEASED);
    expect(harness.state.device.connection).toBe("idle");
  });

  it("ends the session with kicked on forceRelease, cancelling a run in flight", () => {
    const harness = claimedByAlice();
    harness.run(ALICE, WEIGH.name, { sampleId: "S-1" });
    const outcome = harness.apply({ type: "forceRelease", by: { userId: "root", name: "Root" }, reason: "scale needs calibration" });
    expect(deviceMessages(outcome)).toEqual([["cancel", { epoch: 1, runId: "run-1" }]]);
    expect(effectsOf(outcome, "sessionEnded")).toEqual([{ type: "sessionEnded", holder: ALICE, epoch: 1, reason: EndReason.KICKED, by: { userId: "root", name: "Root" }, note: "scale needs calibration" }]);
    expect(harness.state.lastEndReason).toBe(EndReason.KICKED);
    expect(phaseOf(harness.state)).toBe(Phase.IDLE);
  });

  it("does nothing on forceRelease when nobody holds the device", () => {
    const harness = onlineHarness();
    const before = harness.state;
    const outcome = harness.apply({ type: "forceRelease", by: { userId: "root", name: "Root" }, reason: "test" });
    expect(outcome).toEqual({ state: before, effects: [] });
  });

  it("forgets the last run when the session ends", () => {
    const harness = claimedByAlice();
    harness.run(ALICE, WEIGH.name, { sampleId: "S-1" });
    harness.result({ grams: 1 });
    harness.apply({ type: "release", user: ALICE });
    expect(harness.state.session).toBeNull();
    harness.claim(BOB);
    expect(harness.state.session?.lastRun).toBeNull();
    expect(phaseOf(harness.state)).toBe(Phase.CLAIMED);
  });
});

describe("owner connections", () => {
  it("ignores disconnects and reconnects of users who do not hold the device", () => {
    const harness = claimedByAlice();
    const before = harness.state;
    harness.apply({ type: "ownerDisconnected", userId: BOB.userId });
    harness.apply({ type: "ownerReconnected", userId: BOB.userId });
    expect(harness.state).toBe(before);
  });

  it("keeps the first disconnect time when the owner is reported lost twice", () => {
    const harness = claimedByAlice();
    harness.apply({ type: "ownerDisconnected", userId: ALICE.userId });
    harness.advance(5_000);
    harness.apply({ type: "ownerDisconnected", userId: ALICE.userId });
    expect(harness.state.session?.ownerLostAt).toBe(T0);
  });

  it("clears the lost mark and counts a reconnect as activity", () => {
    const harness = claimedByAlice();
    harness.apply({ type: "ownerDisconnected", userId: ALICE.userId });
    harness.advance(5_000);
    harness.apply({ type: "ownerReconnected", userId: ALICE.userId });
    expect(harness.state.session?.ownerLostAt).toBe(0);
    expect(harness.state.session?.lastActivity).toBe(T0 + 5_000);
  });

  it("does nothing when there is no session", () => {
    const harness = onlineHarness();
    const before = harness.state;
    harness.apply({ type: "ownerDisconnected", userId: ALICE.userId });
    expect(harness.state).toBe(before);
  });
});

describe("acknowledgeResult (result_ack)", () => {
  it("changes no state and asks the effect runner to record the hand-over, whoever sends it", () => {
    const harness = claimedByAlice();
    const before = harness.state;
    for (const user of [ALICE, BOB]) {
      const outcome = harness.apply({ type: "acknowledgeResult", user, runId: "r-1" });
      expect(outcome.rejection).toBeUndefined();
      expect(outcome.state).toBe(before);
      // Only the result's own owner may acknowledge it: the runner checks the stored result's user.
      expect(outcome.effects).toEqual([{ type: "resultAcknowledged", userId: user.userId, runId: "r-1" }]);
    }
  });
});
