/**
 * Booked slots of devices (issue 24 part 3; the rules are session/bookings/, docs/BOOKINGS.md).
 * - GET    /devices/:deviceId/bookings?from=&to=   a device's bookings (any user: others' show the slot and the booker's name only) and its kind's rules
 * - POST   /devices/:deviceId/bookings             { start, end } book a slot for the caller (201)
 * - GET    /devices/:deviceId/bookings.ics         the same bookings as an iCalendar feed
 * - GET    /me/bookings?from=&to=                  the caller's own bookings
 * - DELETE /bookings/:bookingId                    cancel one's own booking before its slot starts, or end a checked-in
 *                                                   one early: the rest of the slot goes to the line (admins: anyone's)
 * - POST   /pools/:pool/bookings                   { start, end } book the slot on the first device of the pool free for it (201)
 * A booking is decided by the pure rules inside the store's transaction (ports/bookings.ts),
 * so a conflict is refused atomically. The device's room is told when its bookings change
 * (liveRooms.bookingsChanged); it also re-reads them at every registry poll.
 */
import { randomBytes } from "node:crypto";
import express from "express";
import { z } from "zod";
import { ErrorCode } from "@baton/protocol";
import { PoolName } from "@baton/protocol/messages";
import { BookingAnswer, DeviceBookings, MyBookings, type BookingRecord } from "@baton/protocol/http";
import { DeviceIdSchema } from "../auth/deviceRegistry.ts";
import type { UserIdentity } from "../auth/userTokens.ts";
import { poolOf, type Booking, type RegisteredDevice } from "../ports/store.ts";
import type { RoomServices } from "../rooms/services.ts";
import { cancelProblem, checkNewBooking, rulesForKind, WEEK_MS, weekStartOf } from "../session/bookings/index.ts";
import { isAdmin, requireUser } from "./authenticate.ts";
import { icalendar } from "./icalendar.ts";
import { answerWith, guarded, parseOrRefuse, refuse } from "./respond.ts";

const DAY_MS = 86_400_000;
/** The widest window one listing may ask for. */
const MAX_RANGE_MS = 62 * DAY_MS;
/** What the feed covers: a week back, eight weeks ahead. */
const FEED_BACK_MS = 7 * DAY_MS;
const FEED_AHEAD_MS = 56 * DAY_MS;

/** A time: milliseconds since the Unix epoch, or an ISO 8601 date-time with its offset. */
const Instant = z.union([z.number().int().min(0).max(8_640_000_000_000), z.iso.datetime({ offset: true })]);
const QueryInstant = z.union([z.coerce.number().int().min(0).max(8_640_000_000_000), z.iso.datetime({ offset: true })]);

export const BookingBody = z.strictObject({ start: Instant, end: Instant });

export const BookingRangeQuery = z.strictObject({
  /** Default: a day ago. */
  from: QueryInstant.optional(),
  /** Default: `from` + 14 days; at most 62 days after `from`. */
  to: QueryInstant.optional(),
});

const BookingId = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, "booking ids are letters, digits, _ and -");

const toMillis = (value: number | string) => (typeof value === "number" ? value : Date.parse(value));
const newBookingId = () => `bk_${randomBytes(12).toString("base64url")}`;

/** What `caller` may see of a booking: their own and admins' views carry the user id. */
export function bookingView(booking: Booking, caller: UserIdentity): BookingRecord {
  const mine = booking.userId === caller.userId;
  return {
    bookingId: booking.bookingId, deviceId: booking.deviceId, start: booking.start, end: booking.end, status: booking.status,
    userName: booking.userName, mine, ...(mine || isAdmin(caller) ? { userId: booking.userId } : {}),
  };
}

export function bookingRoutes(services: RoomServices) {
  const router = express.Router();
  const answer = answerWith(services);

  function rangeOf(query: z.infer<typeof BookingRangeQuery>, response: express.Response): { from: number; to: number } | undefined {
    const from = query.from !== undefined ? toMillis(query.from) : services.clock() - DAY_MS;
    const to = query.to !== undefined ? toMillis(query.to) : from + 14 * DAY_MS;
    if (!(to > from) || to - from > MAX_RANGE_MS) {
      refuse(response, ErrorCode.INVALID_MESSAGE, { reason: "malformed", what: "Query", problem: `to must come after from, at most ${MAX_RANGE_MS / DAY_MS} days later` });
      return undefined;
    }
    return { from, to };
  }

  async function knownDevice(deviceIdText: unknown, response: express.Response) {
    const deviceId = parseOrRefuse(DeviceIdSchema, deviceIdText, response, "Device id");
    if (!deviceId) return undefined;
    const device = await services.registry.find(deviceId);
    if (!device) {
      refuse(response, ErrorCode.UNKNOWN_DEVICE, { deviceId });
      return undefined;
    }
    return device;
  }

  const shown = ["booked", "checked_in", "no_show"] as const;

  router.get("/devices/:deviceId/bookings", guarded(services.logger, "GET /devices/:deviceId/bookings", async (request, response) => {
    const caller = await requireUser(services, request, response);
    if (!caller) return;
    const query = parseOrRefuse(BookingRangeQuery, request.query, response, "Query");
    if (!query) return;
    const range = rangeOf(query, response);
    if (!range) return;
    const device = await knownDevice(request.params.deviceId, response);
    if (!device) return;
    const bookings = await services.store.bookings.listForDevice(device.deviceId, { ...range, statuses: shown });
    answer(response, DeviceBookings, {
      deviceId: device.deviceId, kind: device.kind, ...range,
      rules: rulesForKind(services.config.bookingRules, device.kind),
      bookings: bookings.map((booking) => bookingView(booking, caller)),
    });
  }));

  router.get("/devices/:deviceId/bookings.ics", guarded(services.logger, "GET /devices/:deviceId/bookings.ics", async (request, response) => {
    if (!(await requireUser(services, request, response))) return;
    const device = await knownDevice(request.params.deviceId, response);
    if (!device) return;
    const now = services.clock();
    const bookings = await services.store.bookings.listForDevice(device.deviceId, { from: now - FEED_BACK_MS, to: now + FEED_AHEAD_MS, statuses: ["booked", "checked_in", "no_show", "cancelled"] });
    const name = device.label || device.deviceId;
    const text = icalendar(`Baton: ${name}`, bookings.map((booking) => ({
      uid: `${booking.bookingId}@baton`, start: booking.start, end: booking.end, stamp: booking.updatedAt,
      summary: `${name} booked by ${booking.userName || "someone"}`, cancelled: booking.status === "cancelled",
    })));
    response.status(200).type("text/calendar; charset=utf-8").send(text);
  }));

  /** Books [start, end) of `device` for `caller` through the rules, atomically in the store. */
  function bookOn(device: RegisteredDevice, caller: UserIdentity, slot: { start: number; end: number }) {
    const now = services.clock();
    const rules = rulesForKind(services.config.bookingRules, device.kind);
    const booking: Booking = {
      bookingId: newBookingId(), deviceId: device.deviceId, kind: device.kind, userId: caller.userId, userName: caller.name,
      start: slot.start, end: slot.end, status: "booked", createdAt: now, updatedAt: now,
    };
    const week = weekStartOf(booking.start);
    return services.store.bookings.create({
      booking,
      userFrom: Math.min(week, now - rules.noShowLookbackMs),
      // The slot's week, and every upcoming booking (the per-user bound).
      userTo: Math.max(week + WEEK_MS, now + rules.maxAheadMs + rules.maxSlotMs + 1),
      admit: (facts) => checkNewBooking(booking, { now, rules, ...facts }),
    });
  }

  router.post("/devices/:deviceId/bookings", guarded(services.logger, "POST /devices/:deviceId/bookings", async (request, response) => {
    const caller = await requireUser(services, request, response);
    if (!caller) return;
    const body = parseOrRefuse(BookingBody, request.body ?? {}, response, "Booking");
    if (!body) return;
    const device = await knownDevice(request.params.deviceId, response);
    if (!device) return;
    if (device.disabledAt !== null) return refuse(response, ErrorCode.DEVICE_DISABLED, { deviceId: device.deviceId });
    const answered = await bookOn(device, caller, { start: toMillis(body.start), end: toMillis(body.end) });
    if ("refused" in answered) {
      const { code, params } = answered.refused;
      return refuse(response, code, params as never);
    }
    await services.liveRooms.bookingsChanged(device.deviceId).catch(() => undefined);
    answer(response, BookingAnswer, { booking: bookingView(answered.created, caller) }, 201);
  }));

  /**
   * A slot on any device of a pool: the pool's enabled devices are tried in id order and the
   * first one free for the whole slot is booked (the answer names it). A refusal of the user
   * (rules, weekly hours, no-shows, limit) is answered at once: another device would not help.
   */
  router.post("/pools/:pool/bookings", guarded(services.logger, "POST /pools/:pool/bookings", async (request, response) => {
    const caller = await requireUser(services, request, response);
    if (!caller) return;
    const pool = parseOrRefuse(PoolName, request.params.pool, response, "Pool name");
    if (!pool) return;
    const body = parseOrRefuse(BookingBody, request.body ?? {}, response, "Booking");
    if (!body) return;
    const slot = { start: toMillis(body.start), end: toMillis(body.end) };
    const members = (await services.registry.list()).filter((device) => poolOf(device) === pool && device.disabledAt === null).sort((a, b) => (a.deviceId < b.deviceId ? -1 : 1));
    if (members.length === 0) return refuse(response, ErrorCode.UNKNOWN_POOL, { pool, reason: "noMembers" });
    for (const device of members) {
      const answered = await bookOn(device, caller, slot);
      if ("created" in answered) {
        await services.liveRooms.bookingsChanged(device.deviceId).catch(() => undefined);
        return answer(response, BookingAnswer, { booking: bookingView(answered.created, caller) }, 201);
      }
      if (answered.refused.code !== ErrorCode.BOOKING_CONFLICT) {
        const { code, params } = answered.refused;
        return refuse(response, code, params as never);
      }
    }
    refuse(response, ErrorCode.BOOKING_CONFLICT, { pool, ...slot });
  }));

  router.get("/me/bookings", guarded(services.logger, "GET /me/bookings", async (request, response) => {
    const caller = await requireUser(services, request, response);
    if (!caller) return;
    const query = parseOrRefuse(BookingRangeQuery, request.query, response, "Query");
    if (!query) return;
    const range = rangeOf(query, response);
    if (!range) return;
    const bookings = await services.store.bookings.listForUser(caller.userId, range);
    answer(response, MyBookings, { bookings: bookings.map((booking) => bookingView(booking, caller)) });
  }));

  router.delete("/bookings/:bookingId", guarded(services.logger, "DELETE /bookings/:bookingId", async (request, response) => {
    const caller = await requireUser(services, request, response);
    if (!caller) return;
    const bookingId = parseOrRefuse(BookingId, request.params.bookingId, response, "Booking id");
    if (!bookingId) return;
    const found = await services.store.bookings.find(bookingId);
    // Someone else's booking is "not found" for a user: ids do not tell who booked what.
    if (!found || (found.userId !== caller.userId && !isAdmin(caller))) return refuse(response, ErrorCode.BOOKING_NOT_FOUND, { bookingId });
    const now = services.clock();
    if (found.status === "checked_in" && found.end > now) {
      const finished = await services.store.bookings.finishEarly(bookingId, now);
      if (finished) {
        await services.liveRooms.bookingsChanged(found.deviceId).catch(() => undefined);
        return answer(response, BookingAnswer, { booking: bookingView(finished, caller) });
      }
    }
    const closed = cancelProblem(found, now);
    if (closed) return refuse(response, ErrorCode.BOOKING_CLOSED, closed.params as never);
    const cancelled = await services.store.bookings.transition(bookingId, ["booked"], "cancelled", now);
    if (!cancelled) {
      const now2 = await services.store.bookings.find(bookingId);
      return refuse(response, ErrorCode.BOOKING_CLOSED, { bookingId, status: now2?.status ?? "cancelled" });
    }
    await services.liveRooms.bookingsChanged(found.deviceId).catch(() => undefined);
    answer(response, BookingAnswer, { booking: bookingView(cancelled, caller) });
  }));

  return router;
}
