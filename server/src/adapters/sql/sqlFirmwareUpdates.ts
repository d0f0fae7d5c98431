/**
 * `FirmwareUpdateStore` (ports/firmwareUpdates.ts) on Kysely: one row per device, the latest
 * update request (migration 0007).
 */
import type { Selectable } from "kysely";
import type { FirmwareUpdateRecord, FirmwareUpdateStore } from "../../ports/firmwareUpdates.ts";
import { millis, type Database, type Db } from "./schema.ts";

export class SqlFirmwareUpdates implements FirmwareUpdateStore {
  constructor(private readonly db: Db) {}

  async request(record: FirmwareUpdateRecord) {
    const row = toRow(record);
    const { device_id: _key, ...changes } = row;
    await this.db.insertInto("firmware_updates").values(row)
      .onConflict((conflict) => conflict.column("device_id").doUpdateSet(changes))
      .execute();
  }

  async update(record: FirmwareUpdateRecord) {
    const { status, offered_at, finished_at, detail } = toRow(record);
    const result = await this.db.updateTable("firmware_updates").set({ status, offered_at, finished_at, detail })
      .where("device_id", "=", record.deviceId).where("requested_at", "=", record.requestedAt)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async find(deviceId: string) {
    const row = await this.db.selectFrom("firmware_updates").selectAll().where("device_id", "=", deviceId).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  async list() {
    return (await this.db.selectFrom("firmware_updates").selectAll().orderBy("device_id").execute()).map(fromRow);
  }
}

function toRow(record: FirmwareUpdateRecord): Selectable<Database["firmware_updates"]> {
  return {
    device_id: record.deviceId, url: record.url, version: record.version, sha256: record.sha256, status: record.status,
    requested_by: record.requestedBy, requested_at: record.requestedAt, from_version: record.fromVersion,
    offered_at: record.offeredAt, finished_at: record.finishedAt, detail: record.detail,
  };
}

function fromRow(row: Selectable<Database["firmware_updates"]>): FirmwareUpdateRecord {
  return {
    deviceId: row.device_id, url: row.url, version: row.version, sha256: row.sha256, status: row.status as FirmwareUpdateRecord["status"],
    requestedBy: row.requested_by, requestedAt: millis(row.requested_at), fromVersion: row.from_version,
    offeredAt: millis(row.offered_at), finishedAt: millis(row.finished_at), detail: row.detail,
  };
}
