/**
 * `AvailabilityStore` (ports/availability.ts) on Kysely: one row per device that is drained,
 * quarantined or in maintenance.
 */
import type { Selectable } from "kysely";
import type { AvailabilityRecord, AvailabilityStore } from "../../ports/availability.ts";
import { millis, type Database, type Db } from "./schema.ts";

export class SqlAvailability implements AvailabilityStore {
  constructor(private readonly db: Db) {}

  async set(record: AvailabilityRecord) {
    const row = { device_id: record.deviceId, status: record.status, reason: record.reason, since: record.since, decided_by: record.by };
    await this.db.insertInto("device_availability").values(row)
      .onConflict((conflict) => conflict.column("device_id").doUpdateSet({ status: row.status, reason: row.reason, since: row.since, decided_by: row.decided_by }))
      .execute();
  }

  async find(deviceId: string) {
    const row = await this.db.selectFrom("device_availability").selectAll().where("device_id", "=", deviceId).executeTakeFirst();
    return row ? toAvailability(row) : undefined;
  }

  async list() {
    return (await this.db.selectFrom("device_availability").selectAll().orderBy("device_id").execute()).map(toAvailability);
  }
}

function toAvailability(row: Selectable<Database["device_availability"]>): AvailabilityRecord {
  return { deviceId: row.device_id, status: row.status as AvailabilityRecord["status"], reason: row.reason, since: millis(row.since), by: row.decided_by };
}
