/**
 * Waiting in line through a real server (issue 13): SDK users and a scripted device over
 * real WebSockets. Timers are short but every wait is generous: nothing here depends on
 * tight timings, only on order.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { joinDevice, type DeviceSession } from "../support/deviceSession.ts";
import { Inbox } from "../../client/src/sdk/inbox.ts";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice, PRINTING, WEIGHING } from "../support/scriptedDevice.ts";
import { waitFor } from "../support/waitFor.ts";
import { call } from "../http/support.ts";

const WINDOW_MS = 1_500;

let baton: TestBaton;
const open: { leave(): unknown }[] = [];

beforeAll(async () => {
  baton = await startBaton({ timers: { handoffWindowMs: WINDOW_MS, ownerIdleTimeoutMs: 0, readyTimeoutMs: 0 } });
});
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((connection) => connection.leave()));
  await baton.colyseus.cleanup();
});
afterAll(async () => {
  await baton.shutdown();
});

/** A user session plus the queue's messages (`offer`, `queue_left`), which the SDK does not know yet. */
interface Waiter {
  session: DeviceSession;
  userId: string;
  next(kind: "offer" | "queue_left", timeoutMs?: number): Promise<any>;
  seat(): { position: number; etaAt: number; offered: boolean; offerExpiresAt: number } | undefined;
  send(type: string, payload?: unknown): void;
}

async function user(deviceId: string, userId: string, roles: string[] = []): Promise<Waiter> {
  const session = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor(userId, userId, roles), deviceId });
  open.push(session);
  const inbox = new Inbox<any>();
  session.room.onMessage("offer", (message: unknown) => inbox.push("offer", message));
  session.room.onMessage("queue_left", (message: unknown) => inbox.push("queue_left", message));
  return {
    session,
    userId,
    next: (kind, timeoutMs = 8_000) => inbox.next(kind, timeoutMs),
    seat: () => (session.state as any).seats?.get(userId),
    send: (type, payload = {}) => session.room.send(type, payload),
  };
}

async function onlineDevice(options: { needsReset?: boolean } = {}) {
  const deviceId = freshDeviceId();
  const device = await ScriptedDevice.connect(baton.httpUrl, deviceId, TEST_DEVICE_SECRET);
  open.push(device);
  const welcome = device.next("welcome");
  device.send("hello", { firmware: "scripted/1.0", sessionTypes: [WEIGHING, PRINTING], ...(options.needsReset ? { needsReset: true } : {}) });
  await welcome;
  return { deviceId, device };
}

describe("three users and a busy scale", () => {
  it("positions 1 and 2 with an ETA; the first accepts within the window; the second moves up", async () => {
    const { deviceId, device } = await onlineDevice();
    const alice = await user(deviceId, "alice");
    await waitFor(() => alice.session.state.device.online);
    alice.session.claim();
    await waitFor(() => alice.session.state.session.ownerId === "alice");

    const bob = await user(deviceId, "bob");
    const carol = await user(deviceId, "carol");
    bob.send("enqueue", { sessionType: "weighing", input: { userAge: 41 }, releaseOnComplete: true });
    await waitFor(() => bob.seat()?.position === 1);
    carol.send("enqueue", {});
    await waitFor(() => carol.seat()?.position === 2);

    // Each sees only their own seat; everyone sees the line's length.
    expect(bob.session.state.queue.length).toBe(2);
    expect(alice.session.state.queue.length).toBe(2);
    expect((alice.session.state as any).seats.size).toBe(0);
    expect((bob.session.state as any).seats.size).toBe(1);
    expect((carol.session.state as any).seats.size).toBe(1);
    // An ETA in the future, later for the second than for the first.
    const now = Date.now();
    expect(bob.seat()!.etaAt).toBeGreaterThan(now - 1_000);
    expect(carol.seat()!.etaAt).toBeGreaterThan(bob.seat()!.etaAt);

    // Someone else's claim while people wait: busy, as always.
    const dave = await user(deviceId, "dave");
    dave.session.claim();
    expect((await dave.session.nextError()).code).toBe("DEVICE_BUSY");

    alice.session.release();
    const offer = await bob.next("offer");
    expect(offer).toMatchObject({ deviceId, windowMs: WINDOW_MS });
    expect(offer.expiresAt).toBeGreaterThan(Date.now());
    await waitFor(() => bob.seat()?.offered === true && bob.session.state.queue.handoffUntil > 0);
    // Nobody else can take it during the window.
    dave.session.claim();
    expect((await dave.session.nextError()).code).toBe("HANDOFF_PENDING");

    bob.send("accept");
    // Accepting claims the device and starts the run Bob queued with.
    const start = (await device.next("start")).payload;
    expect(start).toMatchObject({ sessionType: "weighing", input: { userAge: 41 } });
    expect(await bob.next("queue_left")).toMatchObject({ deviceId, reason: "accepted" });
    await waitFor(() => bob.session.state.session.ownerId === "bob");
    await waitFor(() => carol.seat()?.position === 1);
    expect(bob.seat()).toBeUndefined();
    await waitFor(() => carol.session.state.queue.length === 1);
  });

  it("a user who lets the window pass is skipped, and told", async () => {
    const { deviceId } = await onlineDevice();
    const alice = await user(deviceId, "alice");
    await waitFor(() => alice.session.state.device.online);
    alice.session.claim();
    await waitFor(() => alice.session.state.session.ownerId === "alice");
    const bob = await user(deviceId, "bob");
    const carol = await user(deviceId, "carol");
    bob.send("enqueue");
    await waitFor(() => bob.seat()?.position === 1);
    carol.send("enqueue");
    await waitFor(() => carol.seat()?.position === 2);

    alice.session.release();
    await bob.next("offer");
    // Bob does nothing.
    expect(await bob.next("queue_left", WINDOW_MS + 8_000)).toMatchObject({ reason: "offer_expired" });
    await carol.next("offer");
    carol.session.claim(); // a claim by the offered user is their accept
    await waitFor(() => carol.session.state.session.ownerId === "carol");
    bob.session.claim();
    expect((await bob.session.nextError()).code).toBe("DEVICE_BUSY");
  });

  it("refuses what the rules refuse, with stable codes", async () => {
    const { deviceId } = await onlineDevice();
    const alice = await user(deviceId, "alice");
    await waitFor(() => alice.session.state.device.online);
    alice.session.claim();
    await waitFor(() => alice.session.state.session.ownerId === "alice");
    const bob = await user(deviceId, "bob");
    bob.send("enqueue", { sessionType: "weighing", input: { userAge: 500 } });
    expect((await bob.session.nextError())).toMatchObject({ code: "INVALID_INPUT", request: "enqueue" });
    bob.send("enqueue", { sessionType: "teleport" });
    expect((await bob.session.nextError()).code).toBe("UNKNOWN_SESSION_TYPE");
    bob.send("enqueue", { extra: 1 });
    expect((await bob.session.nextError()).code).toBe("INVALID_MESSAGE");
    bob.send("accept");
    expect((await bob.session.nextError()).code).toBe("NO_OFFER");
    bob.send("leave_queue");
    expect((await bob.session.nextError()).code).toBe("NOT_QUEUED");
    bob.send("enqueue");
    await waitFor(() => bob.seat()?.position === 1);
    bob.send("enqueue");
    expect((await bob.session.nextError()).code).toBe("ALREADY_QUEUED");
    bob.send("leave_queue");
    expect(await bob.next("queue_left")).toMatchObject({ reason: "left" });
    await waitFor(() => alice.session.state.queue.length === 0);
  });
});

describe("physical hand-over", () => {
  it("a device that needs a reset is granted to nobody new until it sends ready", async () => {
    const { deviceId, device } = await onlineDevice({ needsReset: true });
    const alice = await user(deviceId, "alice");
    await waitFor(() => alice.session.state.device.online);
    alice.session.claim({ sessionType: "weighing", input: { userAge: 30 }, releaseOnComplete: true });
    const start = (await device.next("start")).payload;
    const bob = await user(deviceId, "bob");
    bob.send("enqueue");
    await waitFor(() => bob.seat()?.position === 1);
    device.send("result", { epoch: start.epoch, runId: start.runId, output: { weight: 70 } });
    await alice.session.nextResult();
    await waitFor(() => alice.session.state.session.phase === "idle" && alice.session.state.device.ready === false);
    // The session is over, yet nobody gets the scale while someone may still stand on it.
    const carol = await user(deviceId, "carol");
    carol.session.claim();
    expect((await carol.session.nextError()).code).toBe("DEVICE_NOT_READY");
    expect(bob.seat()?.offered).toBe(false);

    device.send("ready", {});
    const offer = await bob.next("offer");
    expect(offer.deviceId).toBe(deviceId);
    await waitFor(() => bob.session.state.device.ready === true);
    bob.send("accept");
    await waitFor(() => bob.session.state.session.ownerId === "bob");
  });
});

describe("drain", () => {
  it("a drained device finishes its session, tells the line, and grants no new one", async () => {
    const { deviceId, device } = await onlineDevice();
    const alice = await user(deviceId, "alice");
    await waitFor(() => alice.session.state.device.online);
    alice.session.claim();
    await waitFor(() => alice.session.state.session.ownerId === "alice");
    const bob = await user(deviceId, "bob");
    bob.send("enqueue");
    await waitFor(() => bob.seat()?.position === 1);

    const admin = await baton.tokenFor("root", "Rita Root", ["admin"]);
    const drained = await call(baton, "POST", `/admin/devices/${deviceId}/drain`, { token: admin, body: { reason: "recalibration at noon" } });
    expect(drained).toMatchObject({ status: 200, body: { deviceId, availability: { status: "drained", reason: "recalibration at noon", by: "root" }, holder: { userId: "alice" }, queueLength: 0 } });
    expect(await bob.next("queue_left")).toMatchObject({ reason: "device_unavailable", message: expect.stringContaining("recalibration at noon") });
    await waitFor(() => alice.session.state.device.availability === "drained" && alice.session.state.device.availabilityReason === "recalibration at noon");

    // The session in flight goes on.
    alice.session.run("weighing", { userAge: 22 });
    const start = (await device.next("start")).payload;
    device.send("result", { epoch: start.epoch, runId: start.runId, output: { weight: 1 } });
    await alice.session.nextResult();
    alice.session.release();
    await waitFor(() => alice.session.state.session.phase === "idle");
    bob.session.claim();
    expect((await bob.session.nextError())).toMatchObject({ code: "DEVICE_UNAVAILABLE", message: expect.stringContaining("drained") });
    bob.send("enqueue");
    expect((await bob.session.nextError()).code).toBe("DEVICE_UNAVAILABLE");

    // Durable and listed: the store has it, GET /devices shows it.
    let record: any;
    for (let attempt = 0; attempt < 100 && !record; attempt++) {
      record = await baton.services.store.availability.find(deviceId);
      if (!record) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(record).toMatchObject({ status: "drained", reason: "recalibration at noon", by: "root" });
    const listed = await call(baton, "GET", `/devices/${deviceId}`, { token: admin });
    expect(listed.body.status).toMatchObject({ availability: { status: "drained" }, queueLength: 0, ready: true });

    const back = await call(baton, "POST", `/admin/devices/${deviceId}/return-to-service`, { token: admin, body: {} });
    expect(back.body.availability.status).toBe("available");
    bob.session.claim();
    await waitFor(() => bob.session.state.session.ownerId === "bob");
  });

  it("admins list who waits; others may not", async () => {
    const { deviceId } = await onlineDevice();
    const alice = await user(deviceId, "alice");
    await waitFor(() => alice.session.state.device.online);
    alice.session.claim();
    await waitFor(() => alice.session.state.session.ownerId === "alice");
    const bob = await user(deviceId, "bob");
    bob.send("enqueue", { sessionType: "weighing", input: {}, releaseOnComplete: true });
    await waitFor(() => bob.seat()?.position === 1);
    const admin = await baton.tokenFor("root", "Rita Root", ["admin"]);
    const listing = await call(baton, "GET", `/admin/devices/${deviceId}/queue`, { token: admin });
    expect(listing.body).toMatchObject({ deviceId, handoffUntil: 0, entries: [{ position: 1, userId: "bob", sessionType: "weighing", offered: false, away: false }] });
    expect((await call(baton, "GET", `/admin/devices/${deviceId}/queue`, { token: await baton.tokenFor("bob") })).status).toBe(403);
  });
});
