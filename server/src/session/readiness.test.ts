/**
 * The physical hand-over and health, with a fake clock: a device that needs a reset is
 * granted to nobody new until it sends `ready`; a missing `ready` means maintenance; failed
 * runs and health checks quarantine; a passing health check returns the device.
 */
import { describe, expect, it } from "vitest";
import { DeviceAvailability, ErrorCode, QueueExitReason } from "@baton/protocol";
import { nextDeadline } from "./deadlines.ts";
import { positionOf } from "./line.ts";
import { ALICE, BOB, CAROL, effectsOf, onlineHarness, SESSION_TYPES, WEIGH } from "./testing.ts";
import type { SessionTypeSpec } from "./types.ts";

const ADMIN = { userId: "u-admin", name: "Admin" };

function resettingScale(options: { perType?: boolean; readyTimeoutMs?: number } = {}) {
  const harness = onlineHarness({ timers: { readyTimeoutMs: options.readyTimeoutMs ?? 60_000, handoffWindowMs: 10_000 } });
  if (options.perType) harness.hello([{ ...WEIGH, needsReset: true }, ...SESSION_TYPES.slice(1)]);
  else harness.apply({ type: "deviceHello", firmware: "fw", sessionTypes: SESSION_TYPES, needsReset: true });
  return harness;
}

describe("physical hand-over", () => {
  it("grants nobody new until the device sends ready after a session with a run", () => {
    const harness = resettingScale();
    harness.claim(ALICE, { sessionType: "weigh", input: { sampleId: "A" }, releaseOnComplete: true });
    harness.apply({ type: "enqueue", user: BOB });
    const done = harness.result({ grams: 1 });
    expect(effectsOf(done, "deviceNotReady")).toHaveLength(1);
    expect(effectsOf(done, "handoffOffered")).toEqual([]); // not while the scale still has a person on it
    expect(harness.claim(CAROL).rejection?.code).toBe(ErrorCode.DEVICE_NOT_READY);
    const ready = harness.apply({ type: "deviceReady" });
    expect(effectsOf(ready, "deviceReadyAgain")).toHaveLength(1);
    expect(effectsOf(ready, "handoffOffered")).toEqual([expect.objectContaining({ user: BOB })]);
  });

  it("a `needsReset` session type owes a ready; other types and sessions without a run do not", () => {
    const harness = resettingScale({ perType: true });
    harness.claim(ALICE);
    harness.apply({ type: "release", user: ALICE });
    expect(harness.state.awaitingReadySince).toBe(0);
    harness.claim(ALICE, { sessionType: "calibrate", input: { reference: 1 }, releaseOnComplete: true });
    harness.result({});
    expect(harness.state.awaitingReadySince).toBe(0);
    harness.claim(ALICE, { sessionType: "weigh", input: { sampleId: "A" }, releaseOnComplete: true });
    harness.result({});
    expect(harness.claim(BOB).rejection?.code).toBe(ErrorCode.DEVICE_NOT_READY);
  });

  it("the holder goes on within their session; the wait is counted from when the session ends", () => {
    const harness = resettingScale({ readyTimeoutMs: 60_000 });
    harness.claim(ALICE);
    harness.run(ALICE, "weigh", { sampleId: "1" });
    harness.result({});
    harness.advance(100_000);
    expect(harness.run(ALICE, "weigh", { sampleId: "2" }).rejection).toBeUndefined();
    harness.result({});
    harness.advance(100_000);
    harness.apply({ type: "release", user: ALICE });
    expect(nextDeadline(harness.state, harness.timers)).toEqual({ at: harness.now + 60_000, kind: "ready_timeout" });
  });

  it("no ready in time → maintenance with a reason, the line is told; a late ready brings it back", () => {
    const harness = resettingScale({ readyTimeoutMs: 60_000 });
    harness.claim(ALICE, { sessionType: "weigh", input: { sampleId: "A" }, releaseOnComplete: true });
    harness.apply({ type: "enqueue", user: BOB });
    harness.result({});
    harness.advanceAndTick(59_999);
    expect(harness.state.availability.status).toBe(DeviceAvailability.AVAILABLE);
    const late = harness.advanceAndTick(1);
    expect(harness.state.availability).toMatchObject({ status: DeviceAvailability.MAINTENANCE, by: "readiness" });
    expect(harness.state.availability.reason).toContain("ready");
    expect(effectsOf(late, "availabilityChanged")).toHaveLength(1);
    expect(effectsOf(late, "queueLeft")).toEqual([expect.objectContaining({ user: BOB, reason: QueueExitReason.DEVICE_UNAVAILABLE })]);
    expect(nextDeadline(harness.state, harness.timers)).toBeNull();
    harness.apply({ type: "deviceReady" });
    expect(harness.state.availability.status).toBe(DeviceAvailability.AVAILABLE);
    expect(harness.claim(CAROL).rejection).toBeUndefined();
  });

  it("an offline device's ready clock starts again when it says hello", () => {
    const harness = resettingScale({ readyTimeoutMs: 60_000 });
    harness.claim(ALICE, { sessionType: "weigh", input: { sampleId: "A" }, releaseOnComplete: true });
    harness.result({});
    harness.apply({ type: "deviceDisconnected" });
    harness.advanceAndTick(500_000);
    expect(harness.state.availability.status).toBe(DeviceAvailability.AVAILABLE);
    harness.apply({ type: "deviceConnected" });
    harness.apply({ type: "deviceHello", firmware: "fw", sessionTypes: SESSION_TYPES, needsReset: true });
    expect(nextDeadline(harness.state, harness.timers)).toEqual({ at: harness.now + 60_000, kind: "ready_timeout" });
  });
});

describe("health", () => {
  const CHECK: SessionTypeSpec = { name: "selftest", inputSchema: { type: "object" }, maxDurationMs: 5_000, health: true };

  it("quarantines after N device faults in a row (cancels and user-caused failures do not count); an admin returns it", () => {
    const harness = onlineHarness({ rules: { quarantineAfterFailures: 2 } });
    harness.claim(ALICE);
    harness.run(ALICE, "weigh", { sampleId: "1" });
    harness.apply({ type: "deviceFailed", epoch: harness.state.epoch, runId: harness.currentRun.runId, code: ErrorCode.INSTRUMENT_FAULT, message: "" });
    harness.run(ALICE, "weigh", { sampleId: "2" });
    harness.apply({ type: "cancel", user: ALICE });
    for (const code of [ErrorCode.NOTHING_TO_MEASURE, "JAM"]) {
      harness.run(ALICE, "weigh", { sampleId: code });
      harness.apply({ type: "deviceFailed", epoch: harness.state.epoch, runId: harness.currentRun.runId, code, message: "" });
    }
    expect(harness.state.availability.status).toBe(DeviceAvailability.AVAILABLE);
    harness.run(ALICE, "weigh", { sampleId: "3" });
    harness.apply({ type: "deviceFailed", epoch: harness.state.epoch, runId: harness.currentRun.runId, code: ErrorCode.RUN_TIMEOUT, message: "" });
    expect(harness.state.availability).toMatchObject({ status: DeviceAvailability.QUARANTINED, by: "health" });
    expect(harness.state.availability.reason).toBe("2 failed runs in a row (last: RUN_TIMEOUT)");
    harness.apply({ type: "release", user: ALICE });
    expect(harness.claim(BOB).rejection?.code).toBe(ErrorCode.DEVICE_UNAVAILABLE);
    harness.apply({ type: "returnToService", by: ADMIN, reason: "jam cleared" });
    expect(harness.claim(BOB).rejection).toBeUndefined();
  });

  it("a failing health check quarantines; an admin may claim it to run the check, and a pass returns it", () => {
    const harness = onlineHarness();
    harness.hello([...SESSION_TYPES, CHECK]);
    harness.claim(ALICE, { sessionType: "selftest", input: {}, releaseOnComplete: true });
    harness.apply({ type: "deviceFailed", epoch: harness.state.epoch, runId: harness.currentRun.runId, code: "DRIFT", message: "" });
    expect(harness.state.availability).toMatchObject({ status: DeviceAvailability.QUARANTINED, reason: 'health check "selftest" failed (DRIFT)' });
    expect(harness.claim(BOB).rejection?.code).toBe(ErrorCode.DEVICE_UNAVAILABLE);
    expect(harness.apply({ type: "claim", user: ADMIN, admin: true, sessionType: "selftest", input: {}, releaseOnComplete: true }).rejection).toBeUndefined();
    harness.result({ ok: true });
    expect(harness.state.availability.status).toBe(DeviceAvailability.AVAILABLE);
  });

  it("a passing health check never lifts an admin's quarantine", () => {
    const harness = onlineHarness();
    harness.hello([...SESSION_TYPES, CHECK]);
    harness.apply({ type: "quarantine", by: ADMIN, reason: "cable frayed" });
    harness.apply({ type: "claim", user: ADMIN, admin: true, sessionType: "selftest", input: {}, releaseOnComplete: true });
    harness.result({});
    expect(harness.state.availability).toMatchObject({ status: DeviceAvailability.QUARANTINED, reason: "cable frayed", by: ADMIN.userId });
    expect(positionOf(harness.state, BOB.userId)).toBe(0);
  });
});
