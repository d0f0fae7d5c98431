/**
 * Bookings of devices (server/src/http/bookings.ts, docs/BOOKINGS.md): book a slot ahead, list
 * a device's slots (others' show the booker's name only), list one's own, cancel before the
 * slot starts, and the device's iCalendar feed. Reached as `client.bookings`. Checking in is
 * claiming the device in the slot's check-in window (`device.claim()`): the booker gets it
 * ahead of the line.
 */
import type { BookingAnswer, BookingRecord, DeviceBookings, MyBookings } from "@baton/protocol/http";
import type { HttpOptions } from "./http.ts";
import type { WaitOptions } from "./waiting.ts";

export type { BookingAnswer, BookingRecord, BookingRulesBody as BookingRules, DeviceBookings, MyBookings } from "@baton/protocol/http";

/** A time: a Date, milliseconds since the Unix epoch, or an ISO 8601 string with its offset. */
export type Instant = Date | number | string;

export interface BookingRange {
  from?: Instant;
  to?: Instant;
}

type Call = <T>(path: string, request: HttpOptions) => Promise<T>;

const asWire = (value: Instant) => (value instanceof Date ? value.getTime() : value);

export class BookingsApi {
  private readonly call: Call;
  private readonly baseUrl: string;

  constructor(call: Call, baseUrl: string) {
    this.call = call;
    this.baseUrl = baseUrl;
  }

  /** The device's bookings overlapping [from, to) (default: a day ago, 14 days), and its kind's rules. */
  forDevice(deviceId: string, range: BookingRange = {}, options: WaitOptions = {}): Promise<DeviceBookings> {
    return this.call<DeviceBookings>(`/devices/${encodeURIComponent(deviceId)}/bookings`, { ...options, query: { from: range.from === undefined ? undefined : asWire(range.from), to: range.to === undefined ? undefined : asWire(range.to) } });
  }

  /** Books [start, end) of the device for this user; refused with BOOKING_CONFLICT, BOOKING_INVALID, BOOKING_QUOTA or BOOKING_NO_SHOWS. */
  async book(deviceId: string, slot: { start: Instant; end: Instant }, options: WaitOptions = {}): Promise<BookingRecord> {
    const answer = await this.call<BookingAnswer>(`/devices/${encodeURIComponent(deviceId)}/bookings`, { ...options, method: "POST", body: { start: asWire(slot.start), end: asWire(slot.end) } });
    return answer.booking;
  }

  /** Books [start, end) on the first device of `pool` free for all of it; the answer's `deviceId` names the device. */
  async bookAny(pool: string, slot: { start: Instant; end: Instant }, options: WaitOptions = {}): Promise<BookingRecord> {
    const answer = await this.call<BookingAnswer>(`/pools/${encodeURIComponent(pool)}/bookings`, { ...options, method: "POST", body: { start: asWire(slot.start), end: asWire(slot.end) } });
    return answer.booking;
  }

  /** This user's bookings on every device overlapping [from, to), every status. */
  async mine(range: BookingRange = {}, options: WaitOptions = {}): Promise<BookingRecord[]> {
    const answer = await this.call<MyBookings>("/me/bookings", { ...options, query: { from: range.from === undefined ? undefined : asWire(range.from), to: range.to === undefined ? undefined : asWire(range.to) } });
    return answer.bookings;
  }

  /** Cancels a booking whose slot has not started, or ends a checked-in one early (the rest goes to the line); BOOKING_CLOSED otherwise. */
  async cancel(bookingId: string, options: WaitOptions = {}): Promise<BookingRecord> {
    const answer = await this.call<BookingAnswer>(`/bookings/${encodeURIComponent(bookingId)}`, { ...options, method: "DELETE" });
    return answer.booking;
  }

  /** The URL of the device's iCalendar feed (it needs the same bearer token). */
  calendarUrl(deviceId: string): string {
    return new URL(`devices/${encodeURIComponent(deviceId)}/bookings.ics`, this.baseUrl.endsWith("/") ? this.baseUrl : `${this.baseUrl}/`).href;
  }
}
