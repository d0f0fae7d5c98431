/**
 * Restart recovery in the pure core: a room created from a stored state continues with the
 * same epoch, holder and run, grace periods counted from the room's creation; and a device
 * that has seen a higher epoch than the stored one (a wiped store) lifts the epoch past it.
 */
import { describe, expect, it } from "vitest";
import { DeviceConnection, EndReason, Phase } from "@baton/protocol";
import { MAX_HELLO_EPOCH_RAISE } from "./core.ts";
import { nextDeadline } from "./deadlines.ts";
import { phaseOf, welcomeFor } from "./phase.ts";
import { restoreForNewRoom } from "./restore.ts";
import { ALICE, SessionHarness, T0, TIMERS, WEIGH, deviceMessages, effectsOf, onlineHarness } from "./testing.ts";

function runningForAlice(): SessionHarness {
  const harness = onlineHarness();
  harness.claim(ALICE);
  harness.run(ALICE, WEIGH.name, { sampleId: "S-1" });
  return harness;
}

describe("restoreForNewRoom", () => {
  it("keeps epoch, holder and run; device offline and owner away from the room's creation", () => {
    const stored = runningForAlice().state;
    const createdAt = T0 + 600_000; // the server was down for ten minutes
    const restored = restoreForNewRoom(stored, createdAt);
    expect(restored.epoch).toBe(stored.epoch);
    expect(restored.session?.holder).toEqual(ALICE);
    expect(restored.session?.run).toEqual(stored.session?.run);
    expect(restored.device).toMatchObject({ online: false, since: createdAt, connection: DeviceConnection.DISCONNECTED });
    expect(restored.session?.ownerLostAt).toBe(createdAt);
    expect(phaseOf(restored)).toBe(Phase.RUNNING);
    // The earliest deadline is a grace period counted from now, not from before the crash.
    expect(nextDeadline(restored, TIMERS)).toEqual({ at: createdAt + Math.min(TIMERS.deviceGraceMs, TIMERS.ownerReconnectGraceMs), kind: EndReason.DEVICE_LOST });
  });

  it("continues the session when device and owner come back: the welcome names the same run and epoch", () => {
    const before = runningForAlice();
    const runId = before.state.session!.run!.runId;
    const harness = new SessionHarness({ now: T0 + 30_000 }); // within the run's 60 s hard deadline
    harness.state = restoreForNewRoom(before.state, harness.now);
    harness.apply({ type: "ownerReconnected", userId: ALICE.userId });
    harness.apply({ type: "deviceConnected" });
    const hello = harness.hello();
    expect(deviceMessages(hello)).toEqual([["welcome", expect.objectContaining({ epoch: 1, phase: Phase.RUNNING, runId })]]);
    const done = harness.apply({ type: "deviceResult", epoch: 1, runId, output: { grams: 3 } });
    expect(effectsOf(done, "deliverResult")).toEqual([expect.objectContaining({ userId: ALICE.userId, runId, epoch: 1 })]);
  });

  it("leaves an idle device idle", () => {
    const idle = onlineHarness().state;
    expect(restoreForNewRoom(idle, T0 + 5).session).toBeNull();
  });
});

describe("the outage rule: time the server was down is not the device's fault", () => {
  // WEIGH's hard deadline is 60 s; the server is back 90 s after the run started.
  it("moves a run deadline that fell during the outage to the end of the device's grace, counted from the room's return", () => {
    const stored = runningForAlice().state;
    const backAt = T0 + 90_000;
    const restored = restoreForNewRoom(stored, backAt, TIMERS);
    expect(restored.session!.run!.hardDeadline).toBe(backAt + TIMERS.deviceGraceMs);
    expect(restored.session!.run!.runId).toBe(stored.session!.run!.runId);
    // The session's own cap is later anyway (an hour): unchanged.
    expect(restored.session!.expiresAt).toBe(stored.session!.expiresAt);
  });

  it("credits the result a device held through the outage when it comes back within its grace (not RUN_TIMEOUT)", () => {
    const before = runningForAlice();
    const runId = before.state.session!.run!.runId;
    const harness = new SessionHarness({ now: T0 + 90_000 });
    harness.state = restoreForNewRoom(before.state, harness.now, TIMERS);
    // Nothing is judged while the device has its grace: the first deadline is the grace itself.
    expect(nextDeadline(harness.state, TIMERS)).toEqual({ at: harness.now + TIMERS.deviceGraceMs, kind: EndReason.DEVICE_LOST });
    harness.advance(TIMERS.deviceGraceMs - 1_000);
    harness.apply({ type: "deviceConnected" });
    const hello = harness.hello();
    expect(effectsOf(hello, "runFailed")).toEqual([]);
    expect(deviceMessages(hello)).toEqual([["welcome", expect.objectContaining({ epoch: 1, phase: Phase.RUNNING, runId })]]);
    const done = harness.apply({ type: "deviceResult", epoch: 1, runId, output: { grams: 3 } });
    expect(effectsOf(done, "deliverResult")).toEqual([expect.objectContaining({ userId: ALICE.userId, runId, epoch: 1 })]);
  });

  it("still ends the run when the device does not come back within its grace", () => {
    const before = runningForAlice();
    const harness = new SessionHarness({ now: T0 + 90_000 });
    harness.state = restoreForNewRoom(before.state, harness.now, TIMERS);
    const ended = harness.advanceAndTick(TIMERS.deviceGraceMs);
    expect(effectsOf(ended, "sessionEnded")).toEqual([expect.objectContaining({ reason: EndReason.DEVICE_LOST })]);
  });

  it("moves a session cap that fell during the outage to the end of the longer grace; never moves a deadline earlier", () => {
    const harness = onlineHarness();
    harness.claim(ALICE);
    const stored = harness.state;
    const backAt = stored.session!.expiresAt + 5_000; // the hour ran out while the server was down
    const restored = restoreForNewRoom(stored, backAt, TIMERS);
    expect(restored.session!.expiresAt).toBe(backAt + Math.max(TIMERS.deviceGraceMs, TIMERS.ownerReconnectGraceMs));
    const early = restoreForNewRoom(stored, T0 + 1_000, TIMERS);
    expect(early.session!.expiresAt).toBe(stored.session!.expiresAt);
  });
});

describe("a device that has seen a higher epoch (the store lost it)", () => {
  it("raises an idle device's epoch to the device's, so its welcome is accepted", () => {
    const harness = new SessionHarness();
    harness.apply({ type: "deviceConnected" });
    const outcome = harness.apply({ type: "deviceHello", firmware: "fw", sessionTypes: [WEIGH], knownEpoch: 17 });
    expect(effectsOf(outcome, "epochRaised")).toEqual([{ type: "epochRaised", from: 0, to: 17 }]);
    expect(harness.state.epoch).toBe(17);
    expect(deviceMessages(outcome)).toEqual([["welcome", { epoch: 17, phase: Phase.IDLE }]]);
    harness.claim(ALICE);
    expect(harness.state.epoch).toBe(18);
  });

  it("gives a session in flight an epoch above the device's", () => {
    const harness = runningForAlice(); // epoch 1
    harness.apply({ type: "deviceDisconnected" });
    harness.apply({ type: "deviceConnected" });
    const outcome = harness.apply({ type: "deviceHello", firmware: "fw", sessionTypes: [WEIGH], knownEpoch: 9 });
    expect(harness.state.epoch).toBe(10);
    expect(welcomeFor(harness.state, harness.now)).toMatchObject({ epoch: 10, phase: Phase.RUNNING });
    expect(effectsOf(outcome, "epochRaised")).toEqual([{ type: "epochRaised", from: 1, to: 10 }]);
  });

  it("does not raise past MAX_HELLO_EPOCH_RAISE or MAX_EPOCH: an anomaly, the epoch stays", () => {
    const harness = new SessionHarness();
    harness.apply({ type: "deviceConnected" });
    const outcome = harness.apply({ type: "deviceHello", firmware: "fw", sessionTypes: [WEIGH], knownEpoch: Number.MAX_SAFE_INTEGER });
    expect(effectsOf(outcome, "epochRaised")).toEqual([]);
    expect(effectsOf(outcome, "epochAnomaly")).toEqual([{ type: "epochAnomaly", claimed: Number.MAX_SAFE_INTEGER, current: 0, allowed: MAX_HELLO_EPOCH_RAISE }]);
    expect(harness.state.epoch).toBe(0);
    harness.apply({ type: "deviceHello", firmware: "fw", sessionTypes: [WEIGH], knownEpoch: MAX_HELLO_EPOCH_RAISE });
    expect(harness.state.epoch).toBe(MAX_HELLO_EPOCH_RAISE);
  });

  it("changes nothing when the device's epoch is not higher", () => {
    const harness = runningForAlice();
    const outcome = harness.apply({ type: "deviceHello", firmware: "fw", sessionTypes: [WEIGH], knownEpoch: 1 });
    expect(effectsOf(outcome, "epochRaised")).toEqual([]);
    expect(harness.state.epoch).toBe(1);
  });
});
