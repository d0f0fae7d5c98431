/**
 * Claiming a device: who wins, what losers are told, how the epoch moves, and the seed's
 * one-shot weighing flow (claim + run + release on result).
 */
import { describe, expect, it } from "vitest";
import { EndReason, ErrorCode, Phase, errorSentence } from "@baton/protocol";
import { phaseOf } from "./phase.ts";
import {
  sentenceOf, ALICE, BOB, CAROL, DEVICE_ID, SessionHarness, T0, WEIGH, deviceMessages, effectTypes, effectsOf, onlineHarness,
} from "./testing.ts";

describe("claim", () => {
  it("gives the device to the first claimant and starts a session with epoch 1", () => {
    const harness = onlineHarness();
    const outcome = harness.claim(ALICE);

    expect(outcome.rejection).toBeUndefined();
    expect(outcome.effects).toEqual([{ type: "sessionStarted", holder: ALICE, epoch: 1 }]);
    expect(harness.state.epoch).toBe(1);
    expect(harness.state.session?.holder).toEqual(ALICE);
    expect(harness.state.session?.startedAt).toBe(T0);
    expect(harness.state.session?.lastActivity).toBe(T0);
    expect(harness.state.session?.expiresAt).toBe(T0 + harness.timers.maxSessionMs);
    expect(harness.state.session?.releaseOnComplete).toBe(false);
    expect(phaseOf(harness.state)).toBe(Phase.CLAIMED);
  });

  it("refuses a second claimant with DEVICE_BUSY whose message names the holder", () => {
    const harness = onlineHarness();
    harness.claim(ALICE);
    const before = harness.state;

    const outcome = harness.claim(BOB);

    // The core says which error and with what; the table renders the sentence users see.
    expect(outcome.rejection).toMatchObject({ code: ErrorCode.DEVICE_BUSY, params: { deviceId: DEVICE_ID, holder: `Alice (${ALICE.userId})` } });
    expect(sentenceOf(outcome.rejection)).toBe(errorSentence(outcome.rejection!));
    expect(sentenceOf(outcome.rejection)).toContain("Alice");
    expect(sentenceOf(outcome.rejection)).toContain(ALICE.userId);
    expect(sentenceOf(outcome.rejection)).toContain(DEVICE_ID);
    expect(outcome.effects).toEqual([]);
    expect(outcome.state).toBe(before);
  });

  it("names the holder by user id when the holder has no display name", () => {
    const harness = onlineHarness();
    harness.claim({ userId: "u-nameless", name: "" });
    expect(sentenceOf(harness.claim(BOB).rejection)).toContain("held by u-nameless.");
  });

  it("tells the holder who claims again ALREADY_HOLDER and changes nothing", () => {
    const harness = onlineHarness();
    harness.claim(ALICE);
    const before = harness.state;

    const outcome = harness.claim(ALICE);

    expect(outcome.rejection).toMatchObject({ code: ErrorCode.ALREADY_HOLDER, params: { deviceId: DEVICE_ID } });
    expect(outcome.effects).toEqual([]);
    expect(outcome.state).toBe(before);
  });

  it("refuses a claim on a device that never said hello with DEVICE_OFFLINE", () => {
    const harness = new SessionHarness();
    const outcome = harness.claim(ALICE);

    expect(outcome.rejection).toMatchObject({ code: ErrorCode.DEVICE_OFFLINE, params: { deviceId: DEVICE_ID, request: "claim" } });
    expect(sentenceOf(outcome.rejection)).toContain(DEVICE_ID);
    expect(harness.state.session).toBeNull();
    expect(harness.state.epoch).toBe(0);
  });

  it("refuses a claim on a device that disconnected with DEVICE_OFFLINE", () => {
    const harness = onlineHarness();
    harness.apply({ type: "deviceDisconnected" });
    expect(harness.claim(ALICE).rejection?.code).toBe(ErrorCode.DEVICE_OFFLINE);
    expect(harness.state.session).toBeNull();
  });

  it("refuses a claim on a connected device that has not said hello yet", () => {
    const harness = new SessionHarness();
    harness.apply({ type: "deviceConnected" });
    expect(harness.claim(ALICE).rejection?.code).toBe(ErrorCode.DEVICE_OFFLINE);
  });

  it("increments the epoch by one per new holder and never on a refused claim", () => {
    const harness = onlineHarness();
    harness.claim(ALICE);
    expect(harness.state.epoch).toBe(1);

    harness.claim(BOB);
    harness.claim(ALICE);
    harness.claim(CAROL);
    expect(harness.state.epoch).toBe(1);

    harness.apply({ type: "release", user: ALICE });
    expect(harness.state.epoch).toBe(1);

    harness.claim(BOB);
    expect(harness.state.epoch).toBe(2);
    harness.apply({ type: "forceRelease", by: { userId: "root", name: "Root" }, reason: "test" });

    harness.claim(BOB, { sessionType: "no-such-type" });
    harness.claim(BOB, { sessionType: WEIGH.name, input: {} });
    expect(harness.state.epoch).toBe(2);

    harness.claim(CAROL);
    expect(harness.state.epoch).toBe(3);
    expect(effectsOf(harness.allEffects, "sessionStarted").map((effect) => effect.epoch)).toEqual([1, 2, 3]);
  });

  it("lets the same user claim again after releasing, with a new epoch", () => {
    const harness = onlineHarness();
    harness.claim(ALICE);
    harness.apply({ type: "release", user: ALICE });
    const outcome = harness.claim(ALICE);
    expect(outcome.rejection).toBeUndefined();
    expect(harness.state.epoch).toBe(2);
  });

  it("sets no session expiry when maxSessionMs is 0", () => {
    const harness = onlineHarness({ timers: { maxSessionMs: 0 } });
    harness.claim(ALICE);
    expect(harness.state.session?.expiresAt).toBe(0);
  });

  it("ignores releaseOnComplete on a claim that starts no run", () => {
    const harness = onlineHarness();
    harness.claim(ALICE, { releaseOnComplete: true });
    expect(harness.state.session?.releaseOnComplete).toBe(false);
  });
});

describe("claim and run (the seed's weighing flow)", () => {
  it("sends start to the device with epoch, runId, sessionType, input and deadlineMs", () => {
    const harness = onlineHarness();
    const input = { sampleId: "S-17" };

    const outcome = harness.claim(ALICE, { sessionType: WEIGH.name, input, releaseOnComplete: true });

    expect(outcome.rejection).toBeUndefined();
    expect(effectTypes(outcome)).toEqual(["sessionStarted", "runStarted", "sendToDevice:start"]);
    expect(effectsOf(outcome, "runStarted")).toEqual([{ type: "runStarted", runId: "run-1", sessionType: WEIGH.name, epoch: 1, userId: expect.any(String), input: expect.any(Object) }]);
    expect(deviceMessages(outcome)).toEqual([
      ["start", { epoch: 1, runId: "run-1", sessionType: WEIGH.name, input, deadlineMs: WEIGH.maxDurationMs }],
    ]);
    expect(phaseOf(harness.state)).toBe(Phase.RUNNING);
    expect(harness.state.session?.releaseOnComplete).toBe(true);
    expect(harness.state.device.connection).toBe("active");
  });

  it("delivers the result to the holder, then acks the device, then ends the session as completed", () => {
    const harness = onlineHarness();
    harness.claim(ALICE, { sessionType: WEIGH.name, input: { sampleId: "S-17" }, releaseOnComplete: true });
    harness.apply({ type: "deviceAccepted", epoch: 1, runId: "run-1" });
    harness.advance(1_500);

    const outcome = harness.apply({ type: "deviceResult", epoch: 1, runId: "run-1", output: { grams: 12.5 } });

    expect(outcome.rejection).toBeUndefined();
    expect(effectTypes(outcome)).toEqual(["deliverResult", "runCompleted", "sendToDevice:ack", "sessionEnded"]);
    expect(outcome.effects[0]).toEqual({
      type: "deliverResult", userId: ALICE.userId, runId: "run-1", sessionType: WEIGH.name, output: { grams: 12.5 }, epoch: 1,
    });
    expect(effectsOf(outcome, "runCompleted")[0].durationMs).toBe(1_500);
    expect(deviceMessages(outcome)).toEqual([["ack", { runId: "run-1" }]]);
    expect(effectsOf(outcome, "sessionEnded")).toEqual([{ type: "sessionEnded", holder: ALICE, epoch: 1, reason: EndReason.COMPLETED }]);
    expect(harness.state.session).toBeNull();
    expect(harness.state.lastEndReason).toBe(EndReason.COMPLETED);
    expect(phaseOf(harness.state)).toBe(Phase.IDLE);
    expect(harness.state.device.connection).toBe("idle");
  });

  it("frees the device for the next claimant right after a one-shot result", () => {
    const harness = onlineHarness();
    harness.claim(ALICE, { sessionType: WEIGH.name, input: { sampleId: "S-1" }, releaseOnComplete: true });
    harness.result({ grams: 1 });
    const outcome = harness.claim(BOB, { sessionType: WEIGH.name, input: { sampleId: "S-2" }, releaseOnComplete: true });
    expect(outcome.rejection).toBeUndefined();
    expect(deviceMessages(outcome)[0][1]).toMatchObject({ epoch: 2, runId: "run-2" });
  });

  it("ends a one-shot session whose run the device fails with run_failed", () => {
    const harness = onlineHarness();
    harness.claim(ALICE, { sessionType: WEIGH.name, input: { sampleId: "S-1" }, releaseOnComplete: true });
    const outcome = harness.apply({ type: "deviceFailed", epoch: 1, runId: "run-1", code: "SCALE_UNSTABLE", message: "Load cell drifted." });
    expect(effectTypes(outcome)).toEqual(["runFailed", "deliverFailure", "deviceError", "sendToDevice:ack", "sessionEnded"]);
    expect(effectsOf(outcome, "deliverFailure")[0]).toMatchObject({ userId: ALICE.userId, code: "SCALE_UNSTABLE", message: "Load cell drifted." });
    expect(effectsOf(outcome, "sessionEnded")[0].reason).toBe(EndReason.RUN_FAILED);
    expect(harness.state.lastEndReason).toBe(EndReason.RUN_FAILED);
  });

  it("keeps the session of a claim-and-run without releaseOnComplete after the result", () => {
    const harness = onlineHarness();
    harness.claim(ALICE, { sessionType: WEIGH.name, input: { sampleId: "S-1" } });
    const outcome = harness.result({ grams: 3 });
    expect(effectsOf(outcome, "sessionEnded")).toEqual([]);
    expect(harness.state.session?.holder).toEqual(ALICE);
    expect(phaseOf(harness.state)).toBe(Phase.COMPLETED);
  });

  it("leaves the device unclaimed when the input is invalid", () => {
    const harness = onlineHarness();
    const outcome = harness.claim(ALICE, { sessionType: WEIGH.name, input: { repeats: 2 }, releaseOnComplete: true });

    expect(outcome.rejection?.code).toBe(ErrorCode.INVALID_INPUT);
    expect(sentenceOf(outcome.rejection)).toContain("sampleId");
    expect(outcome.effects).toEqual([]);
    expect(harness.state.session).toBeNull();
    expect(harness.state.epoch).toBe(0);
    expect(harness.claim(BOB).rejection).toBeUndefined();
  });

  it("treats a missing input as {} and validates it", () => {
    const harness = onlineHarness();
    const outcome = harness.claim(ALICE, { sessionType: WEIGH.name });
    expect(outcome.rejection?.code).toBe(ErrorCode.INVALID_INPUT);
    expect(harness.state.session).toBeNull();
  });

  it("leaves the device unclaimed when the session type is unknown", () => {
    const harness = onlineHarness();
    const outcome = harness.claim(ALICE, { sessionType: "levitate", input: {} });

    expect(outcome.rejection?.code).toBe(ErrorCode.UNKNOWN_SESSION_TYPE);
    expect(sentenceOf(outcome.rejection)).toContain("weigh, calibrate");
    expect(outcome.effects).toEqual([]);
    expect(harness.state.session).toBeNull();
    expect(harness.state.epoch).toBe(0);
  });

  it("consumes no run id on a refused claim-and-run", () => {
    const harness = onlineHarness();
    harness.claim(ALICE, { sessionType: WEIGH.name, input: {} });
    harness.claim(ALICE, { sessionType: WEIGH.name, input: { sampleId: "S-1" } });
    expect(harness.currentRun.runId).toBe("run-1");
  });
});

describe("a device disabled in the registry (issue 18 finding 3)", () => {
  it("ends the session, empties the line, and refuses claims and queueing with DEVICE_DISABLED, online or not, admin or not", () => {
    const harness = onlineHarness();
    harness.claim(ALICE);
    harness.apply({ type: "enqueue", user: BOB });
    const outcome = harness.apply({ type: "registryState", disabled: true });
    expect(effectsOf(outcome, "sessionEnded")).toMatchObject([{ holder: ALICE, reason: EndReason.KICKED }]);
    expect(effectsOf(outcome, "queueLeft")).toMatchObject([{ user: BOB }]);
    expect(harness.state.session).toBeNull();
    expect(harness.claim(CAROL).rejection?.code).toBe(ErrorCode.DEVICE_DISABLED);
    expect(harness.apply({ type: "claim", user: CAROL, admin: true }).rejection?.code).toBe(ErrorCode.DEVICE_DISABLED);
    expect(harness.apply({ type: "enqueue", user: CAROL }).rejection?.code).toBe(ErrorCode.DEVICE_DISABLED);
    harness.apply({ type: "deviceDisconnected" });
    expect(harness.claim(CAROL).rejection?.code).toBe(ErrorCode.DEVICE_DISABLED);
    // Past the device grace it is offline as well: the refusal still says why (not "until it reconnects").
    harness.advance(24 * 3_600_000);
    expect(harness.state.device.online).toBe(false);
    const refused = harness.claim(CAROL).rejection;
    expect(refused?.code).toBe(ErrorCode.DEVICE_DISABLED);
    expect(sentenceOf(refused)).toMatch(/is disabled in the registry/);
    harness.apply({ type: "registryState", disabled: false });
    harness.apply({ type: "deviceConnected" });
    harness.apply({ type: "deviceHello", firmware: "fw", sessionTypes: [WEIGH] });
    expect(harness.claim(CAROL).rejection).toBeUndefined();
  });
});
