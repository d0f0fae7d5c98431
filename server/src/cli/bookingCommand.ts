/**
 * `npm run baton -- booking …`: bookings through the store, with or without a running server
 * (a running device room reads its bookings again within a minute, or at once when booked
 * over HTTP).
 *
 *   booking list <deviceId> [--from ISO] [--to ISO]          the device's bookings (default: from now, 14 days)
 *   booking create <deviceId> --user <id> [--name "…"] --start ISO --end ISO
 *                                                             book on a user's behalf: only conflicts and the
 *                                                             slot's shape are checked (an operator may go past
 *                                                             the kind's length, horizon and weekly hours)
 *   booking cancel <bookingId>                               cancel a booking whose slot has not started
 */
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { errorSentence } from "@baton/protocol";
import { DeviceIdSchema } from "../auth/deviceRegistry.ts";
import type { BatonStore } from "../ports/store.ts";
import { cancelProblem, checkNewBooking, DEFAULT_BOOKING_RULES } from "../session/bookings/index.ts";
import { textTable } from "./textTable.ts";

export const BOOKING_USAGE = `  booking list <deviceId> [--from 2026-12-10T00:00Z] [--to 2026-12-17T00:00Z]
  booking create <deviceId> --user <id> [--name "Ada"] --start 2026-12-10T14:00Z --end 2026-12-10T14:30Z
  booking cancel <bookingId>`;

export class BookingUsageError extends Error {}

const DAY_MS = 86_400_000;

function instant(value: string | undefined, what: string): number {
  const parsed = value === undefined ? NaN : Date.parse(value);
  if (!Number.isFinite(parsed)) throw new BookingUsageError(`--${what} must be an ISO 8601 time like 2026-12-10T14:00Z (got ${JSON.stringify(value ?? "")})`);
  return parsed;
}

function device(value: string | undefined): string {
  const parsed = DeviceIdSchema.safeParse(value ?? "");
  if (!parsed.success) throw new BookingUsageError(`a device id is 1–64 letters, digits, '_' or '-' (got ${JSON.stringify(value ?? "")})`);
  return parsed.data;
}

export async function bookingCommand(store: BatonStore, args: string[], now = Date.now()): Promise<string> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, strict: true,
    options: { from: { type: "string" }, to: { type: "string" }, user: { type: "string" }, name: { type: "string" }, start: { type: "string" }, end: { type: "string" } },
  });
  const [verb, id] = positionals;
  switch (verb) {
    case "list": {
      const deviceId = device(id);
      const from = values.from ? instant(values.from, "from") : now;
      const to = values.to ? instant(values.to, "to") : from + 14 * DAY_MS;
      const bookings = await store.bookings.listForDevice(deviceId, { from, to });
      if (bookings.length === 0) return `${deviceId}: no bookings between ${new Date(from).toISOString()} and ${new Date(to).toISOString()}`;
      return textTable(["BOOKING", "START", "END", "STATUS", "USER", "NAME"], bookings.map((b) => [b.bookingId, new Date(b.start).toISOString(), new Date(b.end).toISOString(), b.status, b.userId, b.userName]));
    }
    case "create": {
      const deviceId = device(id);
      if (!values.user) throw new BookingUsageError("booking create needs --user <id>");
      const registered = await store.devices.find(deviceId);
      if (!registered) throw new BookingUsageError(`no device "${deviceId}" is registered`);
      const booking = {
        bookingId: `bk_${randomBytes(12).toString("base64url")}`, deviceId, kind: registered.kind, userId: values.user, userName: values.name ?? values.user,
        start: instant(values.start, "start"), end: instant(values.end, "end"), status: "booked" as const, createdAt: now, updatedAt: now,
      };
      // An operator is bound by conflicts and the slot's shape only.
      const rules = { ...DEFAULT_BOOKING_RULES, maxSlotMs: Number.MAX_SAFE_INTEGER, minSlotMs: 1, maxAheadMs: Number.MAX_SAFE_INTEGER, weeklyMsPerUser: 0, maxNoShows: 0 };
      const answered = await store.bookings.create({ booking, userFrom: 0, userTo: 0, admit: (facts) => checkNewBooking(booking, { now, rules, ...facts }) });
      if ("refused" in answered) throw new BookingUsageError(errorSentence(answered.refused));
      return `${answered.created.bookingId}: ${deviceId} booked for ${booking.userId} from ${new Date(booking.start).toISOString()} to ${new Date(booking.end).toISOString()}`;
    }
    case "cancel": {
      if (!id) throw new BookingUsageError("booking cancel needs a booking id");
      const found = await store.bookings.find(id);
      if (!found) throw new BookingUsageError(`no booking "${id}" exists`);
      const closed = cancelProblem(found, now);
      if (closed) throw new BookingUsageError(errorSentence(closed));
      const cancelled = await store.bookings.transition(id, ["booked"], "cancelled", now);
      if (!cancelled) throw new BookingUsageError(`booking ${id} changed meanwhile; list it again`);
      return `${id}: cancelled`;
    }
    default:
      throw new BookingUsageError(`usage:\n${BOOKING_USAGE}`);
  }
}
