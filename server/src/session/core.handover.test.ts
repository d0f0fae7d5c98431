/** Hand-over to a named user (session/handover.ts), as stories on the pure core. */
import { describe, expect, it } from "vitest";
import { DeviceAvailability, EndReason, ErrorCode, HandOverEndReason, QueueExitReason } from "@baton/protocol";
import { nextDeadline } from "./deadlines.ts";
import { restoreForNewRoom } from "./restore.ts";
import { handoverDeadlines } from "./handover.ts";
import { ALICE, BOB, CAROL, effectsOf, effectTypes, onlineHarness, sentenceOf, T0, WEIGH } from "./testing.ts";

function aliceHolds() {
  const harness = onlineHarness();
  harness.claim(ALICE);
  return harness;
}

describe("hand-over to a named user", () => {
  it("offers the device to Bob, who accepts: Alice's session ends, Bob's begins at the next epoch, in one transition", () => {
    const harness = aliceHolds();
    const offered = harness.apply({ type: "offerHandover", user: ALICE, to: { userId: BOB.userId, name: "" } });
    expect(offered.rejection).toBeUndefined();
    expect(effectsOf(offered, "handoverOffered")).toEqual([{ type: "handoverOffered", from: ALICE, to: { userId: BOB.userId, name: "" }, epoch: 1, expiresAt: T0 + 30_000, windowMs: 30_000 }]);
    expect(harness.state.session?.holder).toEqual(ALICE);
    expect(nextDeadline(harness.state, harness.timers)?.at).toBe(T0 + 30_000);

    harness.advance(1_000);
    const accepted = harness.apply({ type: "acceptHandover", user: BOB });
    expect(accepted.rejection).toBeUndefined();
    expect(effectTypes(accepted)).toEqual(["handoverEnded", "sessionEnded", "sessionStarted", "handedOver"]);
    expect(effectsOf(accepted, "sessionEnded")[0]).toMatchObject({ holder: ALICE, epoch: 1, reason: EndReason.HANDED_OVER });
    expect(effectsOf(accepted, "sessionStarted")[0]).toEqual({ type: "sessionStarted", holder: BOB, epoch: 2 });
    expect(effectsOf(accepted, "handoverEnded")[0]).toMatchObject({ reason: HandOverEndReason.ACCEPTED, to: BOB });
    expect(effectsOf(accepted, "handedOver")).toEqual([{ type: "handedOver", from: ALICE, to: BOB, fromEpoch: 1, epoch: 2 }]);
    expect(harness.state.session?.holder).toEqual(BOB);
    expect(harness.state.epoch).toBe(2);
    expect(harness.state.handover).toBeNull();
    expect(harness.state.lastEndReason).toBe(EndReason.HANDED_OVER);
  });

  it("refuses offers from anyone but the holder, to the holder themselves, and a second open offer", () => {
    const harness = aliceHolds();
    expect(harness.apply({ type: "offerHandover", user: BOB, to: CAROL }).rejection?.code).toBe(ErrorCode.NOT_OWNER);
    const toSelf = harness.apply({ type: "offerHandover", user: ALICE, to: ALICE });
    expect(toSelf.rejection?.code).toBe(ErrorCode.HAND_OVER_REFUSED);
    expect(sentenceOf(toSelf.rejection)).toContain("hand it over to someone else");
    harness.apply({ type: "offerHandover", user: ALICE, to: BOB });
    const second = harness.apply({ type: "offerHandover", user: ALICE, to: CAROL });
    expect(second.rejection?.code).toBe(ErrorCode.HAND_OVER_REFUSED);
    expect(sentenceOf(second.rejection)).toContain("already offered to Bob (u-bob)");
  });

  it("lets only the named user accept or decline; a decline leaves the holder holding", () => {
    const harness = aliceHolds();
    expect(harness.apply({ type: "acceptHandover", user: BOB }).rejection).toMatchObject({ code: ErrorCode.NO_HAND_OVER, params: { reason: "nothingOffered" } });
    harness.apply({ type: "offerHandover", user: ALICE, to: BOB });
    expect(harness.apply({ type: "acceptHandover", user: CAROL }).rejection).toMatchObject({ code: ErrorCode.NO_HAND_OVER, params: { reason: "notYours" } });
    expect(harness.apply({ type: "declineHandover", user: CAROL }).rejection?.code).toBe(ErrorCode.NO_HAND_OVER);
    const declined = harness.apply({ type: "declineHandover", user: BOB });
    expect(effectsOf(declined, "handoverEnded")[0]).toMatchObject({ reason: HandOverEndReason.DECLINED });
    expect(harness.state.session?.holder).toEqual(ALICE);
    expect(harness.state.epoch).toBe(1);
    expect(harness.state.handover).toBeNull();
  });

  it("lets the holder withdraw, and the window expire at a tick", () => {
    const harness = aliceHolds();
    expect(harness.apply({ type: "withdrawHandover", user: ALICE }).rejection?.code).toBe(ErrorCode.NO_HAND_OVER);
    harness.apply({ type: "offerHandover", user: ALICE, to: BOB });
    expect(harness.apply({ type: "withdrawHandover", user: BOB }).rejection?.code).toBe(ErrorCode.NOT_OWNER);
    expect(effectsOf(harness.apply({ type: "withdrawHandover", user: ALICE }), "handoverEnded")[0]).toMatchObject({ reason: HandOverEndReason.WITHDRAWN });

    harness.apply({ type: "offerHandover", user: ALICE, to: BOB });
    harness.advance(29_999);
    expect(effectsOf(harness.tick(), "handoverEnded")).toEqual([]);
    harness.advance(1);
    expect(effectsOf(harness.tick(), "handoverEnded")[0]).toMatchObject({ reason: HandOverEndReason.EXPIRED });
    expect(harness.apply({ type: "acceptHandover", user: BOB }).rejection?.code).toBe(ErrorCode.NO_HAND_OVER);
    expect(harness.state.session?.holder).toEqual(ALICE);
  });

  it("lets the holder keep working while it is open, and completes only between runs", () => {
    const harness = aliceHolds();
    harness.apply({ type: "offerHandover", user: ALICE, to: BOB });
    expect(harness.run(ALICE, "weigh", { sampleId: "S" }).rejection).toBeUndefined();
    const during = harness.apply({ type: "acceptHandover", user: BOB });
    expect(during.rejection).toMatchObject({ code: ErrorCode.HAND_OVER_REFUSED, params: { reason: "runInFlight" } });
    expect(harness.state.handover?.to.userId).toBe(BOB.userId);
    // Alice's result is hers, then Bob may take the device.
    expect(effectsOf(harness.result({ grams: 1 }), "deliverResult")[0].userId).toBe(ALICE.userId);
    expect(harness.apply({ type: "acceptHandover", user: BOB }).rejection).toBeUndefined();
    expect(harness.state.session?.holder).toEqual(BOB);
  });

  it("is cancelled when the holder releases, leaves, or the device is drained", () => {
    const released = aliceHolds();
    released.apply({ type: "offerHandover", user: ALICE, to: BOB });
    const release = released.apply({ type: "release", user: ALICE });
    expect(effectsOf(release, "handoverEnded")[0]).toMatchObject({ reason: HandOverEndReason.CANCELLED });
    expect(released.state.handover).toBeNull();

    const left = aliceHolds();
    left.apply({ type: "offerHandover", user: ALICE, to: BOB });
    expect(effectsOf(left.apply({ type: "ownerDisconnected", userId: BOB.userId }), "handoverEnded")).toEqual([]);
    const gone = left.apply({ type: "ownerDisconnected", userId: ALICE.userId });
    expect(effectsOf(gone, "handoverEnded")[0].message).toContain("Alice (u-alice) left");

    const drained = aliceHolds();
    drained.apply({ type: "offerHandover", user: ALICE, to: BOB });
    drained.apply({ type: "drain", by: CAROL, reason: "service" });
    expect(drained.state.availability.status).toBe(DeviceAvailability.DRAINED);
    expect(drained.state.handover).toBeNull();
    expect(drained.apply({ type: "offerHandover", user: ALICE, to: BOB }).rejection?.code).toBe(ErrorCode.DEVICE_UNAVAILABLE);
  });

  it("keeps the line's order; a named user who was waiting leaves the line as they take the device", () => {
    const harness = aliceHolds();
    harness.apply({ type: "enqueue", user: CAROL });
    harness.apply({ type: "enqueue", user: BOB });
    harness.apply({ type: "offerHandover", user: ALICE, to: BOB });
    const accepted = harness.apply({ type: "acceptHandover", user: BOB });
    expect(effectsOf(accepted, "queueLeft")).toEqual([expect.objectContaining({ user: BOB, reason: QueueExitReason.ACCEPTED })]);
    expect(harness.state.queue.map((entry) => entry.user.userId)).toEqual([CAROL.userId]);
    expect(harness.state.offer).toBeNull();
  });

  it("waits for a device that owes a `ready` and refuses while it is offline", () => {
    const harness = onlineHarness();
    harness.hello([{ ...WEIGH, needsReset: true }]);
    harness.claim(ALICE);
    harness.run(ALICE, "weigh", { sampleId: "S" });
    harness.result({ grams: 1 });
    harness.apply({ type: "offerHandover", user: ALICE, to: BOB });
    expect(harness.apply({ type: "acceptHandover", user: BOB }).rejection?.code).toBe(ErrorCode.DEVICE_NOT_READY);
    harness.apply({ type: "deviceReady" });
    harness.apply({ type: "deviceDisconnected" });
    expect(harness.apply({ type: "acceptHandover", user: BOB }).rejection?.code).toBe(ErrorCode.DEVICE_OFFLINE);
    harness.apply({ type: "deviceConnected" });
    harness.hello([{ ...WEIGH, needsReset: true }]);
    expect(harness.apply({ type: "acceptHandover", user: BOB }).rejection).toBeUndefined();
  });

  it("is cancelled by a restart, as the holder is away from then on; the session itself is restored", () => {
    const harness = aliceHolds();
    harness.apply({ type: "offerHandover", user: ALICE, to: BOB });
    const restored = restoreForNewRoom(harness.state, T0 + 5_000, harness.timers);
    expect(restored.handover).toBeNull();
    expect(handoverDeadlines(restored)).toEqual([]);
    expect(restored.session?.holder).toEqual(ALICE);
    expect(restored.epoch).toBe(1);
  });
});
