/**
 * The queue and the hand-off window, with a fake clock: who may wait, in which order, what
 * each waiting user is told, and that nobody jumps the line.
 */
import { describe, expect, it } from "vitest";
import { DeviceAvailability, ErrorCode, QueueExitReason } from "@baton/protocol";
import { nextDeadline } from "./deadlines.ts";
import { lineOf, positionOf } from "./line.ts";
import { sentenceOf, ALICE, BOB, CAROL, effectsOf, onlineHarness, T0, WEIGH } from "./testing.ts";
import type { UserRef } from "./types.ts";

const DAVE: UserRef = { userId: "u-dave", name: "Dave" };

function busyWithTwoWaiting() {
  const harness = onlineHarness({ timers: { handoffWindowMs: 10_000 } });
  harness.claim(ALICE);
  harness.apply({ type: "enqueue", user: BOB, sessionType: "weigh", input: { sampleId: "B" }, releaseOnComplete: true });
  harness.apply({ type: "enqueue", user: CAROL });
  return harness;
}

describe("enqueue", () => {
  it("keeps one place per user, first come first served, and says where they are", () => {
    const harness = busyWithTwoWaiting();
    expect(positionOf(harness.state, BOB.userId)).toBe(1);
    expect(positionOf(harness.state, CAROL.userId)).toBe(2);
    expect(effectsOf(harness.last, "queueJoined")).toEqual([{ type: "queueJoined", user: CAROL, position: 2 }]);
    expect(harness.apply({ type: "enqueue", user: BOB }).rejection?.code).toBe(ErrorCode.ALREADY_QUEUED);
    expect(harness.apply({ type: "enqueue", user: ALICE }).rejection?.code).toBe(ErrorCode.ALREADY_HOLDER);
  });

  it("checks the run it will start at enqueue time", () => {
    const harness = onlineHarness();
    harness.claim(ALICE);
    expect(harness.apply({ type: "enqueue", user: BOB, sessionType: "levitate" }).rejection?.code).toBe(ErrorCode.UNKNOWN_SESSION_TYPE);
    expect(harness.apply({ type: "enqueue", user: BOB, sessionType: "weigh", input: {} }).rejection?.code).toBe(ErrorCode.INVALID_INPUT);
    expect(lineOf(harness.state)).toEqual([]);
  });

  it("refuses QUEUE_FULL at the configured length", () => {
    const harness = onlineHarness({ rules: { maxQueueLength: 2 } });
    harness.claim(ALICE);
    harness.apply({ type: "enqueue", user: BOB });
    harness.apply({ type: "enqueue", user: CAROL });
    const full = harness.apply({ type: "enqueue", user: DAVE });
    expect(full.rejection).toMatchObject({ code: ErrorCode.QUEUE_FULL, params: { waiting: 2 } });
    expect(sentenceOf(full.rejection)).toContain("2 waiting");
  });

  it("leave_queue gives the place up; the others move up", () => {
    const harness = busyWithTwoWaiting();
    harness.apply({ type: "leaveQueue", user: BOB });
    expect(effectsOf(harness.last, "queueLeft")).toEqual([expect.objectContaining({ user: BOB, reason: QueueExitReason.LEFT })]);
    expect(positionOf(harness.state, CAROL.userId)).toBe(1);
    expect(harness.apply({ type: "leaveQueue", user: BOB }).rejection?.code).toBe(ErrorCode.NOT_QUEUED);
  });

  it("a waiting user who disconnects keeps their place for the reconnect grace, then loses it", () => {
    const harness = busyWithTwoWaiting();
    harness.apply({ type: "ownerDisconnected", userId: BOB.userId });
    harness.advanceAndTick(TIMERS_GRACE - 1);
    expect(positionOf(harness.state, BOB.userId)).toBe(1);
    harness.apply({ type: "ownerReconnected", userId: BOB.userId });
    harness.advanceAndTick(TIMERS_GRACE * 2);
    expect(positionOf(harness.state, BOB.userId)).toBe(1); // came back in time: nothing pending

    harness.apply({ type: "ownerDisconnected", userId: CAROL.userId });
    expect(nextDeadline(harness.state, harness.timers)?.at).toBeLessThanOrEqual(harness.now + TIMERS_GRACE);
    const dropped = harness.advanceAndTick(TIMERS_GRACE);
    expect(effectsOf(dropped, "queueLeft")).toEqual([expect.objectContaining({ user: CAROL, reason: QueueExitReason.DISCONNECTED })]);
    expect(lineOf(harness.state).map((entry) => entry.user.userId)).toEqual([BOB.userId]);
  });
});

const TIMERS_GRACE = 30_000;

describe("the hand-off window", () => {
  it("offers the freed device to the first in line; nobody else may take it meanwhile", () => {
    const harness = busyWithTwoWaiting();
    const released = harness.apply({ type: "release", user: ALICE });
    expect(effectsOf(released, "handoffOffered")).toEqual([{ type: "handoffOffered", user: BOB, expiresAt: harness.now + 10_000, windowMs: 10_000 }]);
    expect(harness.state.session).toBeNull();
    for (const user of [ALICE, CAROL, DAVE]) {
      // The refusal says how long the offer runs, never who holds it (the line is private).
      expect(harness.claim(user).rejection).toMatchObject({ code: ErrorCode.HANDOFF_PENDING, params: { remainingMs: 10_000 } });
    }
    expect(harness.apply({ type: "acceptOffer", user: CAROL }).rejection).toMatchObject({ code: ErrorCode.NO_OFFER, params: { reason: "notYours" } });
    expect(harness.state.session).toBeNull();
  });

  it("accept claims the device and starts the queued run; the next moves up", () => {
    const harness = busyWithTwoWaiting();
    harness.apply({ type: "release", user: ALICE });
    const accepted = harness.apply({ type: "acceptOffer", user: BOB });
    expect(harness.state.session?.holder).toEqual(BOB);
    expect(harness.state.epoch).toBe(2);
    expect(harness.state.session?.run?.input).toEqual({ sampleId: "B" });
    expect(harness.state.session?.releaseOnComplete).toBe(true);
    expect(effectsOf(accepted, "queueLeft")).toEqual([expect.objectContaining({ user: BOB, reason: QueueExitReason.ACCEPTED })]);
    expect(effectsOf(accepted, "sessionStarted")).toHaveLength(1);
    expect(positionOf(harness.state, CAROL.userId)).toBe(1);
  });

  it("the offered user's own claim is their accept (a claim naming a run replaces the queued one)", () => {
    const harness = busyWithTwoWaiting();
    harness.apply({ type: "release", user: ALICE });
    harness.claim(BOB);
    expect(harness.state.session?.holder).toEqual(BOB);
    expect(harness.state.session?.run?.input).toEqual({ sampleId: "B" }); // no run named: the queued one starts
    harness.apply({ type: "release", user: BOB });
    harness.claim(CAROL, { sessionType: "weigh", input: { sampleId: "C" } });
    expect(harness.state.session?.run?.input).toEqual({ sampleId: "C" });
  });

  it("decline and an expired window both pass the device to the next in line", () => {
    const harness = busyWithTwoWaiting();
    harness.apply({ type: "release", user: ALICE });
    const declined = harness.apply({ type: "declineOffer", user: BOB });
    expect(effectsOf(declined, "queueLeft")).toEqual([expect.objectContaining({ user: BOB, reason: QueueExitReason.DECLINED })]);
    expect(effectsOf(declined, "handoffOffered")).toEqual([expect.objectContaining({ user: CAROL })]);
    harness.advanceAndTick(9_999);
    expect(harness.state.offer?.entry.user).toEqual(CAROL);
    const expired = harness.advanceAndTick(1);
    expect(effectsOf(expired, "queueLeft")).toEqual([expect.objectContaining({ user: CAROL, reason: QueueExitReason.OFFER_EXPIRED })]);
    expect(harness.state.offer).toBeNull();
    // Nobody waits any more: the device is free to claim, and no timer is left.
    expect(nextDeadline(harness.state, harness.timers)).toBeNull();
    expect(harness.claim(DAVE).rejection).toBeUndefined();
  });

  it("a device that drops offline during the window takes the offer back; the user stays first", () => {
    const harness = busyWithTwoWaiting();
    harness.apply({ type: "release", user: ALICE });
    const gone = harness.apply({ type: "deviceDisconnected" });
    expect(effectsOf(gone, "handoffWithdrawn")).toEqual([expect.objectContaining({ user: BOB })]);
    expect(positionOf(harness.state, BOB.userId)).toBe(1);
    harness.apply({ type: "deviceConnected" });
    const back = harness.hello();
    expect(effectsOf(back, "handoffOffered")).toEqual([expect.objectContaining({ user: BOB })]);
  });

  it("enqueueing for a free device offers it at once", () => {
    const harness = onlineHarness();
    const outcome = harness.apply({ type: "enqueue", user: BOB });
    expect(effectsOf(outcome, "handoffOffered")).toEqual([expect.objectContaining({ user: BOB, expiresAt: T0 + harness.timers.handoffWindowMs })]);
  });

  it("a drained device tells everyone waiting and accepts nobody new", () => {
    const harness = busyWithTwoWaiting();
    const drained = harness.apply({ type: "drain", by: DAVE, reason: "recalibration" });
    expect(effectsOf(drained, "queueLeft").map((effect) => [effect.user.userId, effect.reason])).toEqual([
      [BOB.userId, QueueExitReason.DEVICE_UNAVAILABLE], [CAROL.userId, QueueExitReason.DEVICE_UNAVAILABLE],
    ]);
    expect(effectsOf(drained, "queueLeft")[0].message).toContain("recalibration");
    expect(harness.state.session?.holder).toEqual(ALICE); // the session in flight finishes
    expect(harness.apply({ type: "enqueue", user: BOB }).rejection?.code).toBe(ErrorCode.DEVICE_UNAVAILABLE);
    harness.apply({ type: "release", user: ALICE });
    expect(harness.claim(BOB).rejection?.code).toBe(ErrorCode.DEVICE_UNAVAILABLE);
    harness.apply({ type: "returnToService", by: DAVE, reason: "done" });
    expect(harness.state.availability.status).toBe(DeviceAvailability.AVAILABLE);
    expect(harness.claim(BOB).rejection).toBeUndefined();
  });

  it("a queued run whose type vanished since is refused at accept; the offer stays open", () => {
    const harness = busyWithTwoWaiting();
    harness.hello([{ ...WEIGH, name: "weigh2" }]);
    harness.apply({ type: "release", user: ALICE });
    const refused = harness.apply({ type: "acceptOffer", user: BOB });
    expect(refused.rejection?.code).toBe(ErrorCode.UNKNOWN_SESSION_TYPE);
    expect(harness.state.offer?.entry.user).toEqual(BOB);
    harness.claim(BOB, { sessionType: "weigh2", input: { sampleId: "x" } });
    expect(harness.state.session?.holder).toEqual(BOB);
  });
});
