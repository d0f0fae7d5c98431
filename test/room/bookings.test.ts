/**
 * Booked slots over real sockets (issue 24 part 3): a user books through HTTP, the holder is
 * warned (`booking_starting`) and released at the slot's start (`session_ended`, reason
 * `booking`), the line is not served while the slot is kept for the booker, whose claim is
 * the check-in; a booker who does not come is a no-show (store and lifecycle event), and the
 * line gets the device. Windows are a few seconds (the rules set in ms here); every wait is
 * generous.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { joinDevice, type DeviceSession } from "../support/deviceSession.ts";
import { Inbox } from "../../client/src/sdk/inbox.ts";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice } from "../support/scriptedDevice.ts";
import { waitFor } from "../support/waitFor.ts";
import { call } from "../http/support.ts";

let baton: TestBaton;
const open: { leave(): unknown }[] = [];

beforeAll(async () => {
  baton = await startBaton({
    timers: { ownerIdleTimeoutMs: 0, handoffWindowMs: 5_000 },
    config: { bookingRules: { "*": { minSlotMs: 1_000, warnBeforeMs: 1_500, checkInWindowMs: 2_500 } } },
  });
});
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((connection) => connection.leave()));
  await baton.colyseus.cleanup();
});
afterAll(() => baton.shutdown());

interface Person {
  session: DeviceSession;
  token: string;
  next(kind: "booking_starting" | "offer", timeoutMs?: number): Promise<any>;
}

async function person(deviceId: string, userId: string): Promise<Person> {
  const token = await baton.tokenFor(userId, userId.toUpperCase());
  const session = await joinDevice({ url: baton.httpUrl, token, deviceId });
  open.push(session);
  const inbox = new Inbox<any>();
  session.room.onMessage("booking_starting", (message: unknown) => inbox.push("booking_starting", message));
  session.room.onMessage("offer", (message: unknown) => inbox.push("offer", message));
  session.room.onMessage("queue_left", () => undefined);
  return { session, token, next: (kind, timeoutMs = 10_000) => inbox.next(kind, timeoutMs) };
}

/** Polls an async check (the store, the events) until it holds. */
async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 8_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("the condition did not hold in time");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function onlineDevice() {
  const deviceId = freshDeviceId();
  const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET);
  open.push(device);
  return deviceId;
}

describe("booked slots", () => {
  it("the holder is warned and released at the slot's start; the booker checks in ahead of the line", async () => {
    const deviceId = await onlineDevice();
    const bob = await person(deviceId, "bob");
    const carol = await person(deviceId, "carol");
    const alice = await person(deviceId, "alice");
    await waitFor(() => bob.session.state.device.online);
    bob.session.claim();
    await waitFor(() => bob.session.state.session.ownerId === "bob");
    carol.session.room.send("enqueue", {});
    await waitFor(() => carol.session.state.queue.length === 1);

    const start = Date.now() + 3_000;
    const booked = await call(baton, "POST", `/devices/${deviceId}/bookings`, { token: alice.token, body: { start, end: start + 20_000 } });
    expect(booked.status).toBe(201);

    const warning = await bob.next("booking_starting");
    expect(warning).toMatchObject({ deviceId, bookingId: booked.body.booking.bookingId, start, yours: false, bookerName: "ALICE" });
    expect(warning.message).toContain("booking");
    expect(await alice.next("booking_starting")).toMatchObject({ yours: true, checkInUntil: start + 2_500 });

    const ended = await bob.session.nextSessionEnded();
    expect(ended).toMatchObject({ reason: "booking" });
    expect(Date.now()).toBeGreaterThanOrEqual(start - 50);
    // Kept for Alice: Carol, first in line, is not offered it and cannot claim it.
    carol.session.claim();
    expect(await carol.session.nextError()).toMatchObject({ code: "DEVICE_BOOKED" });
    expect(carol.session.state.session.ownerId).toBe("");

    alice.session.claim();
    await waitFor(() => alice.session.state.session.ownerId === "alice");
    await eventually(async () => (await baton.services.store.bookings.find(booked.body.booking.bookingId))?.status === "checked_in");
    await eventually(() => baton.events.some((event) => event.type === "booking.checked_in" && event.userId === "alice"));
    expect(baton.events.some((event) => event.type === "booking.starting" && event.holderId === "bob")).toBe(true);
  }, 30_000);

  it("a booker who does not come is a no-show: the slot goes to the line, and the miss is stored", async () => {
    const deviceId = await onlineDevice();
    const bob = await person(deviceId, "bob");
    const carol = await person(deviceId, "carol");
    const dave = await person(deviceId, "dave"); // the booker, who never claims
    await waitFor(() => bob.session.state.device.online);
    const start = Date.now() + 2_000;
    const booked = await call(baton, "POST", `/devices/${deviceId}/bookings`, { token: dave.token, body: { start, end: start + 20_000 } });
    expect(booked.status).toBe(201);
    bob.session.claim();
    await waitFor(() => bob.session.state.session.ownerId === "bob");
    carol.session.room.send("enqueue", {});
    await waitFor(() => carol.session.state.queue.length === 1);

    expect(await bob.session.nextSessionEnded()).toMatchObject({ reason: "booking" });
    const offer = await carol.next("offer");
    expect(Date.now()).toBeGreaterThanOrEqual(start + 2_500 - 50);
    expect(offer).toMatchObject({ deviceId });
    await eventually(async () => (await baton.services.store.bookings.find(booked.body.booking.bookingId))?.status === "no_show");
    await eventually(() => baton.events.some((event) => event.type === "booking.lapsed" && event.userId === "dave" && event.counted));
    expect((await call(baton, "GET", "/me/bookings", { token: dave.token })).body.bookings).toMatchObject([{ status: "no_show" }]);
  }, 30_000);

  it("a booker who finishes a checked-in slot early gives the rest to the line", async () => {
    const deviceId = await onlineDevice();
    const fay = await person(deviceId, "fay");
    const gus = await person(deviceId, "gus");
    await waitFor(() => fay.session.state.device.online);
    const start = Date.now() + 500;
    const booked = await call(baton, "POST", `/devices/${deviceId}/bookings`, { token: fay.token, body: { start, end: start + 60_000 } });
    await new Promise((resolve) => setTimeout(resolve, start + 200 - Date.now()));
    fay.session.claim();
    await waitFor(() => fay.session.state.session.ownerId === "fay");
    gus.session.room.send("enqueue", {});
    await waitFor(() => gus.session.state.queue.length === 1);
    fay.session.release();
    await waitFor(() => fay.session.state.session.ownerId === "");
    await eventually(async () => (await baton.services.store.bookings.find(booked.body.booking.bookingId))?.status === "checked_in");
    const finished = await call(baton, "DELETE", `/bookings/${booked.body.booking.bookingId}`, { token: fay.token });
    expect(finished.status).toBe(200);
    expect(finished.body.booking.status).toBe("checked_in");
    expect(finished.body.booking.end).toBeLessThan(start + 60_000);
    expect(await gus.next("offer")).toMatchObject({ deviceId });
  }, 20_000);

  it("a cancelled booking no longer holds the device", async () => {
    const deviceId = await onlineDevice();
    const bob = await person(deviceId, "bob");
    const erin = await person(deviceId, "erin");
    await waitFor(() => bob.session.state.device.online);
    const start = Date.now() + 2_000;
    const booked = await call(baton, "POST", `/devices/${deviceId}/bookings`, { token: erin.token, body: { start, end: start + 10_000 } });
    expect((await call(baton, "DELETE", `/bookings/${booked.body.booking.bookingId}`, { token: erin.token })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, start + 500 - Date.now()));
    bob.session.claim();
    await waitFor(() => bob.session.state.session.ownerId === "bob");
  }, 20_000);
});
