/**
 * The SDK's queue, hand-off and lease API (issue 13, PROTOCOL §12–§13) against a real server:
 * `enqueue()` shows this user's seat (position, ETA) in the snapshot, the holder's release
 * brings the `offer` event and `queue.mine.offered`, `accept()` makes the handle the holder,
 * `decline()` / `leaveQueue()` free the seat, and `extend()` moves the expiry until the
 * allowance is used up (then EXTENSION_REFUSED).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BatonClient, BatonError, ErrorCode, type DeviceHandle, type OfferMessage, type QueueLeftMessage, type SessionExtendedMessage } from "@baton/client";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice, PRINTING, WEIGHING } from "../support/scriptedDevice.ts";

const MAX_SESSION_MS = 120_000;
const EXTENSION_MS = 30_000;

let baton: TestBaton;
const open: { leave(): unknown }[] = [];

beforeAll(async () => {
  baton = await startBaton({ timers: { maxSessionMs: MAX_SESSION_MS, maxSessionExtensionMs: EXTENSION_MS, handoffWindowMs: 20_000 } });
});
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((connection) => connection.leave()));
});
afterAll(async () => {
  await baton.shutdown();
});

async function handle(userId: string, deviceId: string): Promise<DeviceHandle> {
  const device = new BatonClient(baton.httpUrl, { token: await baton.tokenFor(userId, userId) }).device(deviceId);
  open.push(device);
  await device.ready();
  return device;
}

async function onlineDevice() {
  const deviceId = freshDeviceId();
  const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET, [WEIGHING, PRINTING]);
  open.push(device);
  return deviceId;
}

async function refusal(promise: Promise<unknown>): Promise<BatonError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(BatonError);
    return error as BatonError;
  }
  throw new Error("expected a rejection");
}

describe("enqueue, offer, accept", () => {
  it("a second user waits with position and ETA, is offered the device on release, and accepts it", async () => {
    const deviceId = await onlineDevice();
    const alice = await handle("alice", deviceId);
    const bob = await handle("bob", deviceId);
    await alice.until((view) => view.device.online);
    await alice.claim();
    await bob.until((view) => view.session.holder !== null);
    expect(bob.canClaim).toBe(false);

    await bob.enqueue();
    const seat = bob.state.queue.mine;
    expect(seat).toMatchObject({ position: 1, offered: false, offerExpiresAt: null, sessionType: null });
    expect(seat!.etaAt).toEqual(expect.any(Number));
    expect(bob.state.queue.length).toBe(1);
    // Nobody learns another's seat; everyone sees the length.
    await alice.until((view) => view.queue.length === 1);
    expect(alice.state.queue.mine).toBeNull();
    expect((await refusal(bob.enqueue())).code).toBe(ErrorCode.ALREADY_QUEUED);

    const offers: OfferMessage[] = [];
    const left: QueueLeftMessage[] = [];
    bob.on("offer", (offer) => offers.push(offer));
    bob.on("queueLeft", (message) => left.push(message));
    await alice.release();

    const offered = await bob.until((view) => view.queue.mine?.offered === true);
    expect(offers).toHaveLength(1);
    expect(offers[0]).toMatchObject({ deviceId, windowMs: 20_000 });
    expect(offered.queue.mine!.offerExpiresAt).toBe(offers[0].expiresAt);
    expect(offered.queue.handoffUntil).toBe(offers[0].expiresAt);
    expect(offered.canClaim).toBe(true); // a claim by the offered user is the accept
    // Someone else cannot take it while it is offered to Bob.
    await alice.until((view) => view.queue.handoffUntil !== null);
    expect(alice.canClaim).toBe(false);
    expect((await refusal(alice.claim())).code).toBe(ErrorCode.HANDOFF_PENDING);

    const claimed = await bob.accept();
    expect(claimed.runId).toBeNull();
    expect(bob.isMine).toBe(true);
    expect(bob.state.session.holder?.userId).toBe("bob");
    await bob.until((view) => view.queue.mine === null && view.queue.length === 0);
    await bob.until(() => left.length > 0);
    expect(left[0]).toMatchObject({ deviceId, reason: "accepted" });
    expect((await refusal(bob.accept())).code).toBe(ErrorCode.NO_OFFER);
  });

  it("refuses accept without an offer, and leaveQueue / decline free the seat", async () => {
    const deviceId = await onlineDevice();
    const alice = await handle("alice", deviceId);
    const bob = await handle("bob", deviceId);
    const carol = await handle("carol", deviceId);
    await alice.until((view) => view.device.online);
    await alice.claim();
    expect((await refusal(bob.leaveQueue())).code).toBe(ErrorCode.NOT_QUEUED);

    await bob.enqueue({ sessionType: "weighing", input: { userAge: 30 } });
    expect(bob.state.queue.mine).toMatchObject({ position: 1, sessionType: "weighing" });
    await carol.enqueue();
    expect(carol.state.queue.mine?.position).toBe(2);
    expect((await refusal(bob.accept())).code).toBe(ErrorCode.NO_OFFER);

    await alice.release();
    await bob.until((view) => view.queue.mine?.offered === true);
    await bob.decline();
    expect(bob.state.queue.mine).toBeNull();
    // The offer passes to Carol, now first.
    const offered = await carol.until((view) => view.queue.mine?.offered === true);
    expect(offered.queue.mine!.position).toBe(1);
    await carol.leaveQueue();
    expect(carol.state.queue.mine).toBeNull();
    await alice.until((view) => view.queue.length === 0 && view.canClaim);
  });
});

describe("extend()", () => {
  it("moves the expiry by what was asked, then by the rest of the allowance, then refuses", async () => {
    const deviceId = await onlineDevice();
    const alice = await handle("alice", deviceId);
    const bob = await handle("bob", deviceId);
    await alice.until((view) => view.device.online);
    expect((await refusal(alice.extend())).code).toBe(ErrorCode.NOT_OWNER);
    await alice.claim();
    const expiresAt = alice.state.session.expiresAt!;
    expect(expiresAt).toBeGreaterThan(Date.now());

    const extendedEvents: SessionExtendedMessage[] = [];
    alice.on("sessionExtended", (message) => extendedEvents.push(message));
    expect(await alice.extend({ byMs: 10_000 })).toEqual({ expiresAt: expiresAt + 10_000 });
    expect(alice.state.session.expiresAt).toBe(expiresAt + 10_000);
    expect(await alice.extend()).toEqual({ expiresAt: expiresAt + EXTENSION_MS });
    await alice.until(() => extendedEvents.length === 2);
    expect(extendedEvents[1]).toMatchObject({ deviceId, expiresAt: expiresAt + EXTENSION_MS, extendedMs: EXTENSION_MS, canExtendMs: 0 });

    const refused = await refusal(alice.extend());
    expect(refused.code).toBe(ErrorCode.EXTENSION_REFUSED);
    expect(refused.message).toMatch(/already extended/);
    expect((await refusal(bob.extend())).code).toBe(ErrorCode.NOT_OWNER);
  });
});
