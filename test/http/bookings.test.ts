/**
 * The bookings API over real HTTP (http/bookings.ts): book, list (others see the slot and
 * the booker's name only), conflicts and the kind's rules refused with their codes, concurrent
 * requests for one slot (exactly one wins), cancellation, the caller's own listing, and the
 * iCalendar feed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBaton, freshDeviceId, type TestBaton } from "../support/baton.ts";
import { call } from "./support.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;

let baton: TestBaton;
let alice: string;
let bob: string;
let admin: string;
beforeAll(async () => {
  baton = await startBaton({ config: { bookingRules: { test: { maxSlotMs: 2 * HOUR, weeklyMsPerUser: 3 * HOUR } } } });
  alice = await baton.tokenFor("alice", "Alice");
  bob = await baton.tokenFor("bob", "Bob");
  admin = await baton.tokenFor("root", "Root", ["admin"]);
});
afterAll(() => baton.shutdown());

/** A slot `hoursAhead` from the next full hour, `minutes` long. */
function slot(hoursAhead: number, minutes = 30) {
  const start = Math.ceil(Date.now() / HOUR) * HOUR + hoursAhead * HOUR;
  return { start, end: start + minutes * MIN };
}

describe("bookings over HTTP", () => {
  it("books a slot, lists it for everyone without the booker's id, and refuses an overlap", async () => {
    const deviceId = freshDeviceId();
    const wanted = slot(24);
    const created = await call(baton, "POST", `/devices/${deviceId}/bookings`, { token: alice, body: wanted });
    expect(created.status).toBe(201);
    expect(created.body.booking).toMatchObject({ deviceId, ...wanted, status: "booked", userName: "Alice", userId: "alice", mine: true });

    const seenByBob = await call(baton, "GET", `/devices/${deviceId}/bookings?from=${wanted.start - HOUR}&to=${wanted.end + HOUR}`, { token: bob });
    expect(seenByBob.status).toBe(200);
    expect(seenByBob.body.rules).toMatchObject({ maxSlotMs: 2 * HOUR, weeklyMsPerUser: 3 * HOUR });
    expect(seenByBob.body.bookings).toEqual([{ bookingId: created.body.booking.bookingId, deviceId, ...wanted, status: "booked", userName: "Alice", mine: false }]);

    const overlap = await call(baton, "POST", `/devices/${deviceId}/bookings`, { token: bob, body: { start: new Date(wanted.start + 10 * MIN).toISOString(), end: new Date(wanted.end + 10 * MIN).toISOString() } });
    expect(overlap.status).toBe(409);
    expect(overlap.body.code).toBe("BOOKING_CONFLICT");
    expect(overlap.body.message).not.toContain("alice");
  });

  it("refuses slots outside the kind's rules, with the rule's code", async () => {
    const deviceId = freshDeviceId();
    const tooLong = slot(2, 150);
    expect((await call(baton, "POST", `/devices/${deviceId}/bookings`, { token: alice, body: tooLong })).body).toMatchObject({ code: "BOOKING_INVALID" });
    const farAhead = slot(24 * 20);
    expect((await call(baton, "POST", `/devices/${deviceId}/bookings`, { token: alice, body: farAhead })).status).toBe(400);
    expect((await call(baton, "POST", `/devices/${deviceId}/bookings`, { token: alice, body: { start: 1, end: "nonsense" } })).body).toMatchObject({ code: "INVALID_MESSAGE" });
    expect((await call(baton, "POST", "/devices/no-such-device/bookings", { token: alice, body: slot(2) })).body).toMatchObject({ code: "UNKNOWN_DEVICE" });
    expect((await call(baton, "POST", `/devices/${deviceId}/bookings`, { body: slot(2) })).status).toBe(401);
  });

  it("holds the weekly hours per user and kind", async () => {
    const weekStart = (() => { const now = new Date(); const day = (now.getUTCDay() + 6) % 7; return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - day); })();
    const nextWeek = weekStart + 7 * 24 * HOUR + 10 * HOUR;
    const carol = await baton.tokenFor("carol", "Carol");
    const book = (deviceId: string, offsetHours: number, minutes: number) => call(baton, "POST", `/devices/${deviceId}/bookings`, { token: carol, body: { start: nextWeek + offsetHours * HOUR, end: nextWeek + offsetHours * HOUR + minutes * MIN } });
    expect((await book(freshDeviceId(), 0, 120)).status).toBe(201);
    expect((await book(freshDeviceId(), 3, 60)).status).toBe(201);
    const over = await book(freshDeviceId(), 5, 30);
    expect(over.status).toBe(429);
    expect(over.body.code).toBe("BOOKING_QUOTA");
  });

  it("of concurrent requests for one slot exactly one is stored", async () => {
    const deviceId = freshDeviceId();
    const wanted = slot(30);
    const users = await Promise.all(["u1", "u2", "u3", "u4", "u5"].map((id) => baton.tokenFor(id)));
    const answers = await Promise.all(users.map((token) => call(baton, "POST", `/devices/${deviceId}/bookings`, { token, body: wanted })));
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 409, 409, 409, 409]);
  });

  it("cancels one's own booking before it starts, not someone else's; admins may cancel any", async () => {
    const deviceId = freshDeviceId();
    const mine = (await call(baton, "POST", `/devices/${deviceId}/bookings`, { token: alice, body: slot(40) })).body.booking;
    expect((await call(baton, "DELETE", `/bookings/${mine.bookingId}`, { token: bob })).body).toMatchObject({ code: "BOOKING_NOT_FOUND" });
    const cancelled = await call(baton, "DELETE", `/bookings/${mine.bookingId}`, { token: alice });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.booking.status).toBe("cancelled");
    expect((await call(baton, "DELETE", `/bookings/${mine.bookingId}`, { token: alice })).body).toMatchObject({ code: "BOOKING_CLOSED" });
    // The slot is free again.
    const again = await call(baton, "POST", `/devices/${deviceId}/bookings`, { token: bob, body: slot(40) });
    expect(again.status).toBe(201);
    const byAdmin = await call(baton, "DELETE", `/bookings/${again.body.booking.bookingId}`, { token: admin });
    expect(byAdmin.body.booking).toMatchObject({ status: "cancelled", userId: "bob", mine: false });
  });

  it("books a slot on the first device of a pool free for it, and says when none is", async () => {
    const pool = "bench";
    const members = [freshDeviceId(), freshDeviceId()].sort();
    for (const deviceId of members) await baton.services.store.devices.setPool(deviceId, pool);
    const wanted = slot(50);
    const tokens = await Promise.all(["p1", "p2", "p3"].map((id) => baton.tokenFor(id)));
    const first = await call(baton, "POST", `/pools/${pool}/bookings`, { token: tokens[0], body: wanted });
    expect(first.status).toBe(201);
    expect(first.body.booking.deviceId).toBe(members[0]);
    const second = await call(baton, "POST", `/pools/${pool}/bookings`, { token: tokens[1], body: wanted });
    expect(second.body.booking.deviceId).toBe(members[1]);
    const third = await call(baton, "POST", `/pools/${pool}/bookings`, { token: tokens[2], body: wanted });
    expect(third.status).toBe(409);
    expect(third.body).toMatchObject({ code: "BOOKING_CONFLICT", message: expect.stringContaining(`pool ${pool}`) });
    expect((await call(baton, "POST", "/pools/nobody/bookings", { token: tokens[2], body: wanted })).body.code).toBe("UNKNOWN_POOL");
  });

  it("lists the caller's own bookings across devices", async () => {
    const dave = await baton.tokenFor("dave", "Dave");
    const a = freshDeviceId();
    const b = freshDeviceId();
    await call(baton, "POST", `/devices/${a}/bookings`, { token: dave, body: slot(5) });
    await call(baton, "POST", `/devices/${b}/bookings`, { token: dave, body: slot(3) });
    const mine = await call(baton, "GET", "/me/bookings", { token: dave });
    expect(mine.body.bookings.map((booking: { deviceId: string }) => booking.deviceId)).toEqual([b, a]);
    expect((await call(baton, "GET", "/me/bookings?from=10&to=5", { token: dave })).body).toMatchObject({ code: "INVALID_MESSAGE" });
  });

  it("serves an iCalendar feed of a device's bookings, names escaped", async () => {
    const deviceId = freshDeviceId();
    const odd = await baton.tokenFor("odd", "O'Brien; Ann, PhD");
    const wanted = slot(6);
    await call(baton, "POST", `/devices/${deviceId}/bookings`, { token: odd, body: wanted });
    const response = await fetch(`${baton.httpUrl}/devices/${deviceId}/bookings.ics`, { headers: { authorization: `Bearer ${alice}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/calendar");
    const text = await response.text();
    expect(text.startsWith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")).toBe(true);
    expect(text).toContain("SUMMARY:test device booked by O'Brien\\; Ann\\, PhD\r\n");
    expect(text).toContain(`DTSTART:${new Date(wanted.start).toISOString().replace(/[-:]/g, "").replace(".000", "")}`);
    expect((await fetch(`${baton.httpUrl}/devices/${deviceId}/bookings.ics`)).status).toBe(401);
  });
});
