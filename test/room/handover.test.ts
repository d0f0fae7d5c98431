/**
 * Passing the baton to a named person (issue 24) through a real server: SDK users and a
 * scripted device over real WebSockets. Each flow — accept, decline, withdraw, expiry, a
 * run in flight, the holder leaving, the recipient's limits — is told to both users in
 * messages, the new holder's session is the next epoch (and the device hears nothing of it
 * before it is stored), the line keeps its order, and the audit log records the hand-over.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BatonClient, BatonError, ErrorCode } from "@baton/client";
import { AuditAction, EndReason, HandOverEndReason, type HandOverEndedMessage, type HandOverOfferedMessage, type SessionEndedMessage } from "@baton/protocol";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice, PRINTING, WEIGHING } from "../support/scriptedDevice.ts";
import { waitFor } from "../support/waitFor.ts";

const WINDOW_MS = 4_000;

let baton: TestBaton;
const open: { leave(): unknown }[] = [];
/** Fresh user ids per test: a user's holdings outlive their connections for the reconnect grace. */
let round = 0;
const id = (name: string) => `${name}-${round}`;

beforeAll(async () => {
  // One server per file (they would share the matchmaker); its per-user limits apply to every flow.
  baton = await startBaton({
    timers: { handoffWindowMs: WINDOW_MS, ownerIdleTimeoutMs: 0, readyTimeoutMs: 0 },
    config: { fairUse: { maxDevicesPerUser: 1, maxQueueEntriesPerUser: 1, maxSessionMinutesPerDay: 0 } },
  });
});
beforeEach(() => {
  round++;
});
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((connection) => connection.leave()));
});
afterAll(async () => {
  await baton.shutdown();
});

/** A user's handle on the device, recording the hand-over messages it gets. */
async function user(name: string, deviceId: string, server = baton) {
  const device = new BatonClient(server.httpUrl, { token: await server.tokenFor(id(name), name.toUpperCase()) }).device(deviceId);
  open.push(device);
  await device.ready();
  const offered: HandOverOfferedMessage[] = [];
  const ended: HandOverEndedMessage[] = [];
  const sessionEnds: SessionEndedMessage[] = [];
  device.on("handOverOffered", (message) => offered.push(message));
  device.on("handOverEnded", (message) => ended.push(message));
  device.on("sessionEnded", (message) => sessionEnds.push(message));
  return { device, offered, ended, sessionEnds };
}

async function onlineDevice(server = baton) {
  const deviceId = freshDeviceId();
  const { device } = await ScriptedDevice.online(server.httpUrl, deviceId, TEST_DEVICE_SECRET, [WEIGHING, PRINTING]);
  open.push(device);
  return { deviceId, device };
}

/** Alice holds the device; Bob watches it. */
async function aliceHoldsBobWatches(server = baton) {
  const { deviceId, device } = await onlineDevice(server);
  const alice = await user("alice", deviceId, server);
  const bob = await user("bob", deviceId, server);
  await alice.device.until((view) => view.device.online);
  await alice.device.claim();
  await bob.device.until((view) => view.session.holder?.userId === id("alice"));
  return { deviceId, device, alice, bob };
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

describe("hand-over to a named user", () => {
  it("Alice hands the scale to Bob, who accepts: his session at the next epoch, hers ended, the line kept, the audit log written", async () => {
    const { deviceId, device, alice, bob } = await aliceHoldsBobWatches();
    const carol = await user("carol", deviceId);
    await carol.device.enqueue();
    const before = alice.device.state.session.epoch;

    // The holder alone sees who watches (to pick the one to hand it to); spectators never do.
    const watching = await alice.device.until((view) => (view.owner?.viewers.length ?? 0) === 2);
    expect(watching.owner!.viewers).toEqual([{ userId: id("bob"), name: "BOB" }, { userId: id("carol"), name: "CAROL" }]);
    expect(bob.device.state.owner).toBeNull();

    const { expiresAt } = await alice.device.handOver(id("bob"));
    expect(expiresAt).toBeGreaterThan(Date.now());
    await waitFor(() => bob.offered.length === 1);
    expect(bob.offered[0]).toMatchObject({ deviceId, epoch: before, from: { userId: id("alice"), name: "ALICE" }, windowMs: WINDOW_MS });
    // Everyone sees that a hand-over is open, never to whom; Alice still holds.
    await carol.device.until((view) => view.session.handoverUntil !== null);
    expect(carol.device.state.session.holder?.userId).toBe(id("alice"));
    expect(carol.offered).toEqual([]);

    const claimed = await bob.device.acceptHandOver();
    expect(claimed.epoch).toBe(before + 1);
    expect(bob.device.isMine).toBe(true);
    await waitFor(() => alice.sessionEnds.length === 1 && alice.ended.length === 1 && bob.ended.length === 1);
    expect(alice.sessionEnds[0]).toMatchObject({ epoch: before, reason: EndReason.HANDED_OVER });
    expect(alice.ended[0]).toMatchObject({ reason: HandOverEndReason.ACCEPTED, from: { userId: id("alice") }, to: { userId: id("bob"), name: "BOB" } });
    expect(bob.ended[0]).toEqual(alice.ended[0]);
    await alice.device.until((view) => view.session.holder?.userId === id("bob") && view.session.handoverUntil === null);
    expect(alice.device.isMine).toBe(false);

    // Carol kept her place, with an estimate for the new holder's session.
    await carol.device.until((view) => view.session.holder?.userId === id("bob"));
    expect(carol.device.state.queue.mine).toMatchObject({ position: 1 });

    // The device learns the new epoch from the first command of Bob's session.
    const start = device.next("start");
    void bob.device.start("weighing", { userAge: 30 });
    expect((await start).payload.epoch).toBe(before + 1);

    const audit = await baton.services.audit.list({ deviceId, limit: 10 });
    const handedOver = audit.find((entry) => entry.action === AuditAction.HANDED_OVER);
    expect(handedOver).toMatchObject({ actor: id("alice"), detail: { from: id("alice"), to: id("bob"), fromEpoch: before, epoch: before + 1 } });
  });

  it("Bob declines, or Alice withdraws: Alice keeps the device and both are told", async () => {
    const { alice, bob } = await aliceHoldsBobWatches();
    await alice.device.handOver(id("bob"));
    await waitFor(() => bob.offered.length === 1);
    await bob.device.declineHandOver();
    await waitFor(() => alice.ended.length === 1 && bob.ended.length === 1);
    expect(alice.ended[0].reason).toBe(HandOverEndReason.DECLINED);

    await alice.device.handOver(id("bob"));
    await waitFor(() => bob.offered.length === 2);
    await alice.device.withdrawHandOver();
    await waitFor(() => alice.ended.length === 2 && bob.ended.length === 2);
    expect(bob.ended[1].reason).toBe(HandOverEndReason.WITHDRAWN);
    expect((await refusal(bob.device.acceptHandOver())).code).toBe(ErrorCode.NO_HAND_OVER);
    expect((await refusal(alice.device.withdrawHandOver())).code).toBe(ErrorCode.NO_HAND_OVER);
    expect(alice.device.isMine).toBe(true);
    expect(alice.sessionEnds).toEqual([]);
  });

  it("refuses an offer from anyone but the holder, to the holder, and a second one", async () => {
    const { alice, bob } = await aliceHoldsBobWatches();
    expect((await refusal(bob.device.handOver(id("carol")))).code).toBe(ErrorCode.NOT_OWNER);
    expect((await refusal(alice.device.handOver(id("alice")))).code).toBe(ErrorCode.HAND_OVER_REFUSED);
    await alice.device.handOver(id("bob"));
    const second = await refusal(alice.device.handOver(id("carol")));
    expect(second.code).toBe(ErrorCode.HAND_OVER_REFUSED);
    expect(second.message).toContain(`already offered to BOB (${id("bob")})`);
    expect((await refusal(bob.device.declineHandOver().then(() => bob.device.declineHandOver()))).code).toBe(ErrorCode.NO_HAND_OVER);
  });

  it("expires after the hand-off window; the holder keeps the device", async () => {
    const { alice, bob } = await aliceHoldsBobWatches();
    await alice.device.handOver(id("bob"));
    await waitFor(() => alice.ended.length === 1, WINDOW_MS + 5_000);
    expect(alice.ended[0].reason).toBe(HandOverEndReason.EXPIRED);
    await waitFor(() => bob.ended.length === 1);
    expect(alice.device.isMine).toBe(true);
    expect(alice.device.state.session.handoverUntil).toBeNull();
  });

  it("completes only between runs: refused while Alice's run is in flight, accepted once it is done", async () => {
    const { device, alice, bob } = await aliceHoldsBobWatches();
    const start = device.next("start");
    const result = alice.device.run("weighing", { userAge: 40 });
    const { payload } = await start;
    await alice.device.handOver(id("bob"));
    const refused = await refusal(bob.device.acceptHandOver());
    expect(refused.code).toBe(ErrorCode.HAND_OVER_REFUSED);
    expect(refused.message).toContain("still in flight");
    device.send("result", { epoch: payload.epoch, runId: payload.runId, output: { weightKg: 70 } });
    expect((await result).output).toEqual({ weightKg: 70 });
    await bob.device.acceptHandOver();
    expect(bob.device.isMine).toBe(true);
  });

  it("is cancelled when the holder leaves or releases", async () => {
    const { deviceId, alice, bob } = await aliceHoldsBobWatches();
    await alice.device.handOver(id("bob"));
    await alice.device.release();
    await waitFor(() => bob.ended.length === 1);
    expect(bob.ended[0].reason).toBe(HandOverEndReason.CANCELLED);

    const carol = await user("carol", deviceId);
    await carol.device.claim();
    await carol.device.handOver(id("bob"));
    await waitFor(() => bob.offered.length === 2);
    await carol.device.leave();
    await waitFor(() => bob.ended.length === 2);
    expect(bob.ended[1]).toMatchObject({ reason: HandOverEndReason.CANCELLED, from: { userId: id("carol") } });
    expect(bob.ended[1].message).toContain("left");
  });

  it("tells a named user who joins late, and refuses another user's accept", async () => {
    const { deviceId, alice } = await aliceHoldsBobWatches();
    await alice.device.handOver(id("dave"));
    const dave = await user("dave", deviceId);
    await waitFor(() => dave.offered.length === 1);
    expect(dave.offered[0].from.userId).toBe(id("alice"));
    const eve = await user("eve", deviceId);
    expect((await refusal(eve.device.acceptHandOver())).code).toBe(ErrorCode.NO_HAND_OVER);
    await dave.device.acceptHandOver();
    expect(dave.device.isMine).toBe(true);
  });

  it("applies the named user's per-user limits: the holder is told at once, and the accept is checked again", async () => {
    const other = await onlineDevice();
    const bobElsewhere = await user("bob", other.deviceId);
    await bobElsewhere.device.until((view) => view.device.online);
    await bobElsewhere.device.claim();

    // Bob holds as many devices as he may: Alice learns it when she names him.
    const { alice, bob } = await aliceHoldsBobWatches();
    const advised = await refusal(alice.device.handOver(id("bob")));
    expect(advised.code).toBe(ErrorCode.HAND_OVER_REFUSED);
    expect(advised.message).toContain(`${id("bob")} already holds 1 device`);

    // Bob takes another device after the offer was made: his accept is refused, the offer stays open.
    await bobElsewhere.device.release();
    await alice.device.handOver(id("bob"));
    await bobElsewhere.device.claim();
    expect((await refusal(bob.device.acceptHandOver())).code).toBe(ErrorCode.USER_DEVICE_LIMIT);
    expect(alice.device.isMine).toBe(true);
    await bobElsewhere.device.release();
    await bob.device.acceptHandOver();
    expect(bob.device.isMine).toBe(true);
    // Alice's slot was given back with her session: she may claim elsewhere again.
    const third = await onlineDevice();
    const aliceElsewhere = await user("alice", third.deviceId);
    await aliceElsewhere.device.until((view) => view.device.online);
    // The slot goes back right after the transition (fire-and-forget), so allow it a moment.
    for (let attempt = 0; ; attempt++) {
      const claimed = await aliceElsewhere.device.claim().then(() => true, (error: BatonError) => {
        if (error.code !== ErrorCode.USER_DEVICE_LIMIT || attempt >= 20) throw error;
        return false;
      });
      if (claimed) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(aliceElsewhere.device.isMine).toBe(true);
  });
});
