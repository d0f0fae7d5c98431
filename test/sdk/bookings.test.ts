/**
 * The SDK's bookings (client.bookings, and the device handle's `bookingStarting` event)
 * against a real server: book a slot, see it listed (others see the booker's name only), get
 * the warning as the booker, check in with `claim()` ahead of someone waiting in line, and
 * cancel another booking.
 */
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { BatonClient, BatonError, type BookingStartingMessage } from "@baton/client";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice, WEIGHING } from "../support/scriptedDevice.ts";

let baton: TestBaton;
const open: { leave(): unknown }[] = [];

beforeAll(async () => {
  baton = await startBaton({ timers: { ownerIdleTimeoutMs: 0 }, config: { bookingRules: { "*": { minSlotMs: 1_000, warnBeforeMs: 1_000, checkInWindowMs: 3_000 } } } });
});
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((connection) => connection.leave()));
});
afterAll(() => baton.shutdown());

const client = async (userId: string) => new BatonClient(baton.httpUrl, { token: await baton.tokenFor(userId, userId.toUpperCase()) });

it("books, lists, warns the booker, checks in with claim() ahead of the line, and cancels", async () => {
  const deviceId = freshDeviceId();
  const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET, [WEIGHING]);
  open.push(device);
  const alice = await client("alice");
  const bob = await client("bob");

  const start = Date.now() + 2_500;
  const booking = await alice.bookings.book(deviceId, { start: new Date(start), end: start + 30_000 });
  expect(booking).toMatchObject({ deviceId, start, status: "booked", mine: true, userId: "alice" });
  const seen = await bob.bookings.forDevice(deviceId, { from: start - 1_000, to: start + 60_000 });
  expect(seen.bookings).toEqual([expect.objectContaining({ bookingId: booking.bookingId, userName: "ALICE", mine: false })]);
  expect(seen.bookings[0]).not.toHaveProperty("userId");
  expect((await alice.bookings.mine()).map((each) => each.bookingId)).toContain(booking.bookingId);
  expect(alice.bookings.calendarUrl(deviceId)).toBe(`${baton.httpUrl}/devices/${deviceId}/bookings.ics`);

  const conflict = await bob.bookings.book(deviceId, { start, end: start + 10_000 }).catch((error: unknown) => error);
  expect(conflict).toBeInstanceOf(BatonError);
  expect((conflict as BatonError).code).toBe("BOOKING_CONFLICT");

  const mine = alice.device(deviceId);
  const theirs = bob.device(deviceId);
  open.push(mine, theirs);
  await mine.ready();
  await theirs.ready();
  const warned = new Promise<BookingStartingMessage>((resolve) => mine.on("bookingStarting", resolve));
  await theirs.until((view) => view.device.online);
  await theirs.enqueue();
  expect((await warned)).toMatchObject({ bookingId: booking.bookingId, yours: true });
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, start - Date.now() + 50)));
  await mine.claim();
  expect(mine.isMine).toBe(true);
  expect(theirs.state.queue.length).toBe(1); // Bob still waits: the booker went ahead of him

  const later = await bob.bookings.book(deviceId, { start: start + 60_000, end: start + 90_000 });
  expect((await bob.bookings.cancel(later.bookingId)).status).toBe("cancelled");
}, 30_000);
