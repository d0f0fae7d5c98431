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
