/**
 * Device liveness and the run clock around it: silence detection, per-type session caps,
 * runs that expire while the device is away, and the device's error state.
 */
import { describe, expect, it } from "vitest";
import { DeviceConnection, EndReason, ErrorCode, Phase } from "@baton/protocol";
import { nextDeadline } from "./deadlines.ts";
import { phaseOf } from "./phase.ts";
import { ALICE, CALIBRATE, WEIGH, deviceMessages, effectTypes, effectsOf, onlineHarness } from "./testing.ts";

describe("device silence", () => {
  it("holds no silence deadline while the device is idle (an idle room has no timer)", () => {
    const harness = onlineHarness({ timers: { deviceSilenceTimeoutMs: 15_000 } });
    expect(nextDeadline(harness.state, harness.timers)).toBeNull();
  });

  it("disconnects a device that sends nothing during a session, then ends it with device_lost after the grace", () => {
    const harness = onlineHarness({ timers: { deviceSilenceTimeoutMs: 15_000, deviceGraceMs: 20_000, runStepTimeoutMs: 60_000 } });
    harness.claim(ALICE, { sessionType: WEIGH.name, input: { sampleId: "S-1" } });
    expect(harness.advanceAndTick(14_999).effects).toEqual([]);
    const silent = harness.advanceAndTick(1);
    expect(effectTypes(silent)).toEqual(["disconnectDevice", "deviceOffline"]);
    expect(effectsOf(silent, "disconnectDevice")[0].reason).toContain("15000 ms");
    expect(harness.state.device.online).toBe(false);
    expect(harness.state.session?.run).not.toBeNull(); // the run waits for the device grace
    const lost = harness.advanceAndTick(20_000);
    expect(effectsOf(lost, "sessionEnded")[0].reason).toBe(EndReason.DEVICE_LOST);
    expect(phaseOf(harness.state)).toBe(Phase.IDLE);
  });

  it("does not count the quiet time before the session: a claim on a long-idle device gives it the full window", () => {
    const harness = onlineHarness({ timers: { deviceSilenceTimeoutMs: 15_000, runStepTimeoutMs: 60_000 } });
    harness.advance(3_600_000); // an hour without a word while idle
    harness.claim(ALICE, { sessionType: WEIGH.name, input: { sampleId: "S-1" } });
    expect(harness.tick().effects).toEqual([]);
    expect(harness.state.device.online).toBe(true);
    expect(effectTypes(harness.advanceAndTick(15_000))).toEqual(["disconnectDevice", "deviceOffline"]);
  });

  it("keeps a device that sends heartbeats", () => {
    const harness = onlineHarness({ timers: { deviceSilenceTimeoutMs: 15_000, ownerIdleTimeoutMs: 0 } });
    harness.claim(ALICE);
    expect(harness.state.session).not.toBeNull();
    for (let beat = 0; beat < 20; beat++) {
      harness.advance(10_000);
      harness.apply({ type: "deviceHeartbeat" });
      expect(harness.tick().effects).toEqual([]);
    }
    expect(harness.state.device.online).toBe(true);
  });
});

describe("per-type maximum session length", () => {
  it("lets a session type run longer than the global cap once its run starts", () => {
    const harness = onlineHarness({ timers: { maxSessionMs: 3_600_000, maxSessionMsByType: { [WEIGH.name]: 4 * 3_600_000 }, runStepTimeoutMs: 10 * 3_600_000, ownerIdleTimeoutMs: 0 } });
    harness.claim(ALICE);
    const startedAt = harness.state.session!.startedAt;
    expect(harness.state.session!.expiresAt).toBe(startedAt + 3_600_000);
    harness.run(ALICE, WEIGH.name, { sampleId: "S-1" });
    expect(harness.state.session!.expiresAt).toBe(startedAt + 4 * 3_600_000);
  });

  it("shortens the session for a type with a smaller cap", () => {
    const harness = onlineHarness({ timers: { maxSessionMsByType: { [CALIBRATE.name]: 1_000 } } });
    harness.claim(ALICE, { sessionType: CALIBRATE.name, input: { reference: 7 } });
    expect(harness.state.session?.run).not.toBeNull();
    const ended = harness.advanceAndTick(1_000);
    expect(effectsOf(ended, "sessionEnded")[0].reason).toBe(EndReason.MAX_DURATION);
  });
});

describe("runs and a device that comes back", () => {
  it("fails a run whose maximum duration passed while the device was away, before the welcome", () => {
    const harness = onlineHarness({ timers: { deviceGraceMs: 10 * WEIGH.maxDurationMs } });
    harness.claim(ALICE, { sessionType: WEIGH.name, input: { sampleId: "S-1" } });
    harness.apply({ type: "deviceDisconnected" });
    harness.advance(WEIGH.maxDurationMs + 1);
    const back = harness.hello();
    expect(effectsOf(back, "runFailed")[0].code).toBe(ErrorCode.RUN_TIMEOUT);
    const [, welcome] = deviceMessages(back).find(([type]) => type === "welcome")!;
    expect(welcome).toEqual({ epoch: 1, phase: Phase.FAILED });
    expect(deviceMessages(back).map(([type]) => type)).toEqual(["welcome"]);
  });

  it("does not extend a run when a connected device repeats hello", () => {
    const harness = onlineHarness();
    harness.claim(ALICE, { sessionType: WEIGH.name, input: { sampleId: "S-1" } });
    const stepDeadline = harness.currentRun.stepDeadline;
    harness.advance(5_000);
    harness.hello();
    expect(harness.currentRun.stepDeadline).toBe(stepDeadline);
  });

  it("restarts the step window when the device accepts", () => {
    const harness = onlineHarness({ timers: { runStepTimeoutMs: 10_000 } });
    harness.claim(ALICE, { sessionType: WEIGH.name, input: { sampleId: "S-1" } });
    harness.advance(8_000);
    harness.apply({ type: "deviceAccepted", epoch: 1, runId: harness.currentRun.runId });
    expect(harness.advanceAndTick(9_000).effects).toEqual([]);
    expect(effectsOf(harness.advanceAndTick(1_000), "runFailed")[0].code).toBe(ErrorCode.RUN_TIMEOUT);
  });
});

describe("device error state", () => {
  it("shows the device in error after it reports a failure, until it is ready or runs again", () => {
    const harness = onlineHarness();
    harness.claim(ALICE, { sessionType: WEIGH.name, input: { sampleId: "S-1" } });
    const failed = harness.apply({ type: "deviceFailed", epoch: 1, runId: harness.currentRun.runId, code: "SCALE_UNSTABLE", message: "drift" });
    expect(effectsOf(failed, "deviceError")[0]).toEqual({ type: "deviceError", code: "SCALE_UNSTABLE", message: "drift" });
    expect(harness.state.device.connection).toBe(DeviceConnection.ERROR);
    harness.apply({ type: "deviceReady" });
    expect(harness.state.device.connection).toBe(DeviceConnection.IDLE);
    harness.apply({ type: "deviceFailed", epoch: 1, runId: "nope", code: "X", message: "" });
    harness.run(ALICE, WEIGH.name, { sampleId: "S-2" });
    expect(harness.state.device.connection).toBe(DeviceConnection.ACTIVE);
  });
});
