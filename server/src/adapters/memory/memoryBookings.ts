/**
 * `BookingStore` (ports/bookings.ts) in process memory. `create` runs synchronously between
 * its read and its insert, so it is atomic like the SQL adapters' transactions.
 */
import { MAX_BOOKINGS_LISTED, type Booking, type BookingStore } from "../../ports/bookings.ts";
import { holdsSlot } from "../../session/bookings/index.ts";
import { copy, sweep, type Purgeable } from "./memoryRows.ts";

export function createMemoryBookings(): BookingStore & Purgeable {
  const bookings = new Map<string, Booking>();
  const overlapping = (from: number, to: number) => (b: Booking) => b.start < to && from < b.end;
  const ordered = (list: Booking[]) => list.sort((a, b) => a.start - b.start || (a.bookingId < b.bookingId ? -1 : 1)).slice(0, MAX_BOOKINGS_LISTED).map(copy);
  return {
    async create({ booking, userFrom, userTo, admit }) {
      const all = [...bookings.values()];
      const deviceBookings = all.filter((b) => b.deviceId === booking.deviceId && holdsSlot(b.status) && overlapping(booking.start, booking.end)(b)).map(copy);
      const userBookings = all.filter((b) => b.userId === booking.userId && b.kind === booking.kind && b.start >= userFrom && b.start < userTo).map(copy);
      const refused = admit({ deviceBookings, userBookings });
      if (refused) return { refused };
      bookings.set(booking.bookingId, copy(booking));
      return { created: copy(booking) };
    },
    async find(bookingId) {
      const found = bookings.get(bookingId);
      return found ? copy(found) : undefined;
    },
    async listForDevice(deviceId, { from, to, statuses }) {
      return ordered([...bookings.values()].filter((b) => b.deviceId === deviceId && overlapping(from, to)(b) && (!statuses || statuses.includes(b.status))));
    },
    async listForUser(userId, { from, to, statuses }) {
      return ordered([...bookings.values()].filter((b) => b.userId === userId && overlapping(from, to)(b) && (!statuses || statuses.includes(b.status))));
    },
    async transition(bookingId, from, to, at) {
      const found = bookings.get(bookingId);
      if (!found || !from.includes(found.status)) return undefined;
      const changed = { ...found, status: to, updatedAt: at };
      bookings.set(bookingId, changed);
      return copy(changed);
    },
    async finishEarly(bookingId, at) {
      const found = bookings.get(bookingId);
      if (!found || found.status !== "checked_in" || found.end <= at) return undefined;
      const changed = { ...found, end: Math.max(found.start, at), updatedAt: at };
      bookings.set(bookingId, changed);
      return copy(changed);
    },
    async closeUnattended(endedBefore, at) {
      let closed = 0;
      for (const [id, b] of bookings) {
        if (b.status === "booked" && b.end < endedBefore) {
          bookings.set(id, { ...b, status: "cancelled", updatedAt: at });
          closed++;
        }
      }
      return closed;
    },
    purgeOlderThan(cutoff) {
      return sweep(bookings, (b) => b.end < cutoff);
    },
  };
}
