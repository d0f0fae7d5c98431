/**
 * `BookingStore` (ports/bookings.ts) on Kysely. `create` is one transaction: on SQLite the
 * single writing connection serializes it with every other write (workerDialect.ts); on
 * PostgreSQL it first takes transaction-scoped advisory locks on the device and then the user
 * (always in that order, so two creations never wait on each other in a cycle), so two
 * requests for one slot run one after the other and the second sees the first's row.
 */
import { sql, type Selectable } from "kysely";
import { MAX_BOOKINGS_LISTED, type Booking, type BookingStatus, type BookingStore } from "../../ports/bookings.ts";
import { millis, type Database, type Db } from "./schema.ts";
import type { SqlDialectName } from "./migrations.ts";

const LIVE: BookingStatus[] = ["booked", "checked_in"];

export class SqlBookings implements BookingStore {
  constructor(private readonly db: Db, private readonly dialect: SqlDialectName) {}

  async create({ booking, userFrom, userTo, admit }: Parameters<BookingStore["create"]>[0]) {
    return this.db.transaction().execute(async (trx) => {
      if (this.dialect === "postgres") {
        await sql`select pg_advisory_xact_lock(hashtext(${`baton-booking-device:${booking.deviceId}`}))`.execute(trx);
        await sql`select pg_advisory_xact_lock(hashtext(${`baton-booking-user:${booking.userId}`}))`.execute(trx);
      }
      const deviceRows = await trx.selectFrom("bookings").selectAll()
        .where("device_id", "=", booking.deviceId).where("status", "in", LIVE)
        .where("start_at", "<", booking.end).where("end_at", ">", booking.start)
        .execute();
      const userRows = await trx.selectFrom("bookings").selectAll()
        .where("user_id", "=", booking.userId).where("kind", "=", booking.kind)
        .where("start_at", ">=", userFrom).where("start_at", "<", userTo)
        .execute();
      const refused = admit({ deviceBookings: deviceRows.map(toBooking), userBookings: userRows.map(toBooking) });
      if (refused) return { refused };
      await trx.insertInto("bookings").values(toRow(booking)).execute();
      return { created: { ...booking } };
    });
  }

  async find(bookingId: string) {
    const row = await this.db.selectFrom("bookings").selectAll().where("booking_id", "=", bookingId).executeTakeFirst();
    return row ? toBooking(row) : undefined;
  }

  async listForDevice(deviceId: string, range: { from: number; to: number; statuses?: readonly BookingStatus[] }) {
    return this.list("device_id", deviceId, range);
  }

  async listForUser(userId: string, range: { from: number; to: number; statuses?: readonly BookingStatus[] }) {
    return this.list("user_id", userId, range);
  }

  private async list(column: "device_id" | "user_id", id: string, { from, to, statuses }: { from: number; to: number; statuses?: readonly BookingStatus[] }) {
    let query = this.db.selectFrom("bookings").selectAll().where(column, "=", id).where("start_at", "<", to).where("end_at", ">", from);
    if (statuses) {
      if (statuses.length === 0) return [];
      query = query.where("status", "in", [...statuses]);
    }
    const rows = await query.orderBy("start_at").orderBy("booking_id").limit(MAX_BOOKINGS_LISTED).execute();
    return rows.map(toBooking);
  }

  async finishEarly(bookingId: string, at: number) {
    const found = await this.find(bookingId);
    if (!found) return undefined;
    const row = await this.db.updateTable("bookings").set({ end_at: Math.max(found.start, at), updated_at: at })
      .where("booking_id", "=", bookingId).where("status", "=", "checked_in").where("end_at", ">", at)
      .returningAll().executeTakeFirst();
    return row ? toBooking(row) : undefined;
  }

  closeUnattended(endedBefore: number, at: number) {
    return closeUnattendedRows(this.db, endedBefore, at);
  }

  async transition(bookingId: string, from: readonly BookingStatus[], to: BookingStatus, at: number) {
    if (from.length === 0) return undefined;
    const row = await this.db.updateTable("bookings").set({ status: to, updated_at: at })
      .where("booking_id", "=", bookingId).where("status", "in", [...from])
      .returningAll().executeTakeFirst();
    return row ? toBooking(row) : undefined;
  }
}

export async function closeUnattendedRows(db: Db, endedBefore: number, at: number): Promise<number> {
  const result = await db.updateTable("bookings").set({ status: "cancelled", updated_at: at }).where("status", "=", "booked").where("end_at", "<", endedBefore).executeTakeFirst();
  return Number(result.numUpdatedRows);
}

function toRow(booking: Booking) {
  return {
    booking_id: booking.bookingId, device_id: booking.deviceId, kind: booking.kind, user_id: booking.userId, user_name: booking.userName,
    start_at: booking.start, end_at: booking.end, status: booking.status, created_at: booking.createdAt, updated_at: booking.updatedAt,
  };
}

function toBooking(row: Selectable<Database["bookings"]>): Booking {
  return {
    bookingId: row.booking_id, deviceId: row.device_id, kind: row.kind, userId: row.user_id, userName: row.user_name,
    start: millis(row.start_at), end: millis(row.end_at), status: row.status as BookingStatus, createdAt: millis(row.created_at), updatedAt: millis(row.updated_at),
  };
}
