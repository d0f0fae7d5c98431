/**
 * The pool's decisions with a fake clock: who is tried, on which device, and what a refusal
 * or a grant leads to. Device rooms are played by hand (`answer`).
 */
import { describe, expect, it } from "vitest";
import { ErrorCode, PoolExitReason } from "@baton/protocol";
import { initialPoolState, poolDeadline, positionInPool, reducePool, roundOrder, type PoolCommand, type PoolContext, type PoolEffect, type PoolState } from "./pool.ts";
import { ALICE, BOB, CAROL, T0 } from "./testing.ts";

const CONTEXT: PoolContext = { now: T0, maxWaiting: 3, retryMs: 2_000 };

class PoolHarness {
  state: PoolState;
  now = T0;
  effects: PoolEffect[] = [];
  constructor(members = ["scale-a", "scale-b", "scale-c"]) {
    this.state = initialPoolState("scale", members, T0);
  }
  apply(command: PoolCommand) {
    const outcome = reducePool(this.state, command, { ...CONTEXT, now: this.now });
    this.state = outcome.state;
    this.effects = outcome.effects;
    return outcome;
  }
  /** The conditional claim in flight (fails the test when there is none). */
  get tried() {
    const attempt = this.state.attempt;
    if (!attempt) throw new Error("expected an attempt in flight");
    return attempt;
  }
  refuse(code: string = ErrorCode.DEVICE_BUSY) {
    return this.apply({ type: "answer", attemptId: this.tried.id, deviceId: this.tried.deviceId, answer: { granted: false, code, message: `refused: ${code}` } });
  }
  grant(epoch = 7) {
    return this.apply({ type: "answer", attemptId: this.tried.id, deviceId: this.tried.deviceId, answer: { granted: true, epoch } });
  }
}

describe("pool rules", () => {
  it("tries the devices one at a time and grants the first that accepts", () => {
    const pool = new PoolHarness();
    pool.apply({ type: "claimAny", user: ALICE, request: { sessionType: "weigh", input: { sampleId: "s" } } });
    expect(pool.effects).toContainEqual({ type: "tryClaim", attemptId: 1, deviceId: "scale-a", user: ALICE, request: { sessionType: "weigh", input: { sampleId: "s" } } });
    pool.refuse();
    expect(pool.tried.deviceId).toBe("scale-b");
    pool.grant(4);
    expect(pool.effects).toContainEqual({ type: "granted", user: ALICE, deviceId: "scale-b", epoch: 4, sessionType: "weigh" });
    expect(pool.state.waiting).toEqual([]);
    expect(pool.state.attempt).toBeNull();
  });

  it("keeps FIFO: only the first waiter is tried; the second is tried once the first is served", () => {
    const pool = new PoolHarness();
    pool.apply({ type: "claimAny", user: ALICE, request: {} });
    pool.apply({ type: "claimAny", user: BOB, request: {} });
    expect(pool.effects.filter((effect) => effect.type === "tryClaim")).toEqual([]);
    expect(positionInPool(pool.state, BOB.userId)).toBe(2);
    pool.grant();
    // Served Alice on scale-a; Bob is tried at once, round-robin from the next device.
    expect(pool.tried).toMatchObject({ userId: BOB.userId, deviceId: "scale-b" });
  });

  it("a round that finds nothing free leaves the waiter first; a freed device is asked first, else the retry deadline", () => {
    const pool = new PoolHarness();
    pool.apply({ type: "claimAny", user: ALICE, request: {} });
    pool.refuse();
    pool.refuse(ErrorCode.DEVICE_OFFLINE);
    pool.refuse(ErrorCode.HANDOFF_PENDING);
    expect(pool.state.attempt).toBeNull();
    expect(positionInPool(pool.state, ALICE.userId)).toBe(1);
    expect(poolDeadline(pool.state, CONTEXT)).toBe(T0 + 2_000);
    pool.apply({ type: "deviceFreed", deviceId: "scale-c" });
    expect(pool.tried.deviceId).toBe("scale-c");
    pool.refuse(); // someone else got it first
    pool.refuse();
    pool.refuse();
    pool.now += 1_999;
    pool.apply({ type: "tick" });
    expect(pool.state.attempt).toBeNull();
    pool.now += 1;
    pool.apply({ type: "tick" });
    expect(pool.tried.deviceId).toBe("scale-a");
  });

  it("a device freed while an attempt is in flight starts another round right after it", () => {
    const pool = new PoolHarness(["scale-a", "scale-b"]);
    pool.apply({ type: "claimAny", user: ALICE, request: {} });
    pool.apply({ type: "deviceFreed", deviceId: "scale-a" });
    pool.refuse();
    pool.refuse();
    expect(pool.tried.deviceId).toBe("scale-a");
  });

  it("tells the waiter why when every device refuses the request itself", () => {
    const pool = new PoolHarness(["scale-a", "scale-b"]);
    pool.apply({ type: "claimAny", user: ALICE, request: { sessionType: "nope" } });
    pool.apply({ type: "claimAny", user: BOB, request: {} });
    pool.refuse(ErrorCode.UNKNOWN_SESSION_TYPE);
    pool.refuse(ErrorCode.UNKNOWN_SESSION_TYPE);
    expect(pool.effects[0]).toMatchObject({ type: "poolLeft", user: ALICE, reason: PoolExitReason.REFUSED });
    expect(pool.tried.userId).toBe(BOB.userId);
  });

  it("one busy device among refusals of the request keeps the waiter waiting (that device may accept it later)", () => {
    const pool = new PoolHarness(["scale-a", "scale-b"]);
    pool.apply({ type: "claimAny", user: ALICE, request: { sessionType: "weigh" } });
    pool.refuse(ErrorCode.INVALID_INPUT);
    pool.refuse(ErrorCode.DEVICE_BUSY);
    expect(positionInPool(pool.state, ALICE.userId)).toBe(1);
  });


  it("a round where no device was merely not free (a request no room could take, a malformed one) drops the waiter; the line moves on", () => {
    const pool = new PoolHarness(["scale-a", "scale-b"]);
    pool.apply({ type: "claimAny", user: ALICE, request: {} });
    pool.apply({ type: "claimAny", user: BOB, request: {} });
    pool.refuse(ErrorCode.INVALID_MESSAGE);
    pool.refuse("SOMETHING_NEW");
    expect(pool.effects[0]).toMatchObject({ type: "poolLeft", user: ALICE, reason: PoolExitReason.REFUSED });
    expect(pool.tried.userId).toBe(BOB.userId);
  });

  it("a per-user limit drops the waiter at once, without asking the other devices", () => {
    for (const code of [ErrorCode.USER_DEVICE_LIMIT, ErrorCode.DAILY_QUOTA_EXHAUSTED]) {
      const pool = new PoolHarness(["scale-a", "scale-b", "scale-c"]);
      pool.apply({ type: "claimAny", user: ALICE, request: {} });
      pool.apply({ type: "claimAny", user: BOB, request: {} });
      pool.refuse(code);
      expect(pool.effects[0]).toMatchObject({ type: "poolLeft", user: ALICE, reason: PoolExitReason.REFUSED, message: `refused: ${code}` });
      expect(pool.tried).toMatchObject({ userId: BOB.userId, deviceId: "scale-a" });
    }
  });
  it("refuses a second place, a full line and an empty pool; leave_pool needs a place", () => {
    const pool = new PoolHarness();
    pool.apply({ type: "claimAny", user: ALICE, request: {} });
    expect(pool.apply({ type: "claimAny", user: ALICE, request: {} }).rejection).toMatchObject({ code: ErrorCode.ALREADY_QUEUED, params: { pool: expect.any(String), position: 1 } });
    pool.apply({ type: "claimAny", user: BOB, request: {} });
    pool.apply({ type: "claimAny", user: CAROL, request: {} });
    expect(pool.apply({ type: "claimAny", user: { userId: "u-dave", name: "Dave" }, request: {} }).rejection?.code).toBe(ErrorCode.QUEUE_FULL);
    expect(new PoolHarness([]).apply({ type: "claimAny", user: ALICE, request: {} }).rejection?.code).toBe(ErrorCode.UNKNOWN_POOL);
    expect(new PoolHarness().apply({ type: "leavePool", user: ALICE }).rejection?.code).toBe(ErrorCode.NOT_QUEUED);
  });

  it("a waiter who leaves during their attempt is still told of a grant that crossed it; the next in line is tried", () => {
    const pool = new PoolHarness();
    pool.apply({ type: "claimAny", user: ALICE, request: {} });
    pool.apply({ type: "claimAny", user: BOB, request: {} });
    pool.apply({ type: "leavePool", user: ALICE });
    expect(pool.effects[0]).toMatchObject({ type: "poolLeft", reason: PoolExitReason.LEFT });
    pool.grant();
    expect(pool.effects[0]).toMatchObject({ type: "granted", user: { userId: ALICE.userId }, deviceId: "scale-a" });
    expect(pool.tried.userId).toBe(BOB.userId);
  });

  it("an empty pool tells everyone waiting", () => {
    const pool = new PoolHarness();
    pool.apply({ type: "claimAny", user: ALICE, request: {} });
    pool.refuse(); pool.refuse(); pool.refuse();
    pool.apply({ type: "membersChanged", members: [] });
    expect(pool.effects[0]).toMatchObject({ type: "poolLeft", user: ALICE, reason: PoolExitReason.NO_DEVICES });
  });

  it("rotates the start of a round after the device granted last", () => {
    expect(roundOrder({ members: ["a", "b", "c"], lastGranted: "", preferred: null })).toEqual(["a", "b", "c"]);
    expect(roundOrder({ members: ["a", "b", "c"], lastGranted: "b", preferred: null })).toEqual(["c", "a", "b"]);
    expect(roundOrder({ members: ["a", "b", "c"], lastGranted: "c", preferred: "b" })).toEqual(["b", "a", "c"]);
  });
});
