/**
 * `DeviceRegistry` (ports/devices.ts) on Kysely: the registered devices, their secret hashes,
 * pools and declared session types.
 */
import type { Selectable } from "kysely";
import type { SessionTypeSpec } from "@baton/protocol";
import { DeviceExistsError, type DeviceRegistry, type RegisteredDevice } from "../../ports/devices.ts";
import { json, millis, parse, type Database, type Db } from "./schema.ts";

/** True for a unique-constraint violation in either dialect. */
function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string };
  return e?.code === "23505" || e?.code === "SQLITE_CONSTRAINT_UNIQUE" || e?.code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

export class SqlDevices implements DeviceRegistry {
  constructor(private readonly db: Db) {}

  async find(deviceId: string) {
    const row = await this.db.selectFrom("devices").selectAll().where("device_id", "=", deviceId).executeTakeFirst();
    return row ? toDevice(row) : undefined;
  }

  async list() {
    return (await this.db.selectFrom("devices").selectAll().orderBy("device_id").execute()).map(toDevice);
  }

  async add(device: Parameters<DeviceRegistry["add"]>[0]) {
    try {
      await this.db.insertInto("devices").values({
        device_id: device.deviceId, label: device.label, kind: device.kind, secret_hash: device.secretHash, created_at: device.createdAt, disabled_at: null, session_types: "[]", pool: device.pool ?? "",
      }).execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw new DeviceExistsError(device.deviceId);
      throw error;
    }
  }

  async disable(deviceId: string, at: number) {
    const updated = await this.db.updateTable("devices").set({ disabled_at: at }).where("device_id", "=", deviceId).executeTakeFirst();
    return Number(updated.numUpdatedRows) > 0;
  }

  async remove(deviceId: string) {
    const deleted = await this.db.deleteFrom("devices").where("device_id", "=", deviceId).executeTakeFirst();
    return Number(deleted.numDeletedRows) > 0;
  }

  async setPool(deviceId: string, pool: string) {
    const updated = await this.db.updateTable("devices").set({ pool }).where("device_id", "=", deviceId).executeTakeFirst();
    return Number(updated.numUpdatedRows) > 0;
  }

  async setSecretHash(deviceId: string, secretHash: string) {
    const updated = await this.db.updateTable("devices").set({ secret_hash: secretHash }).where("device_id", "=", deviceId).executeTakeFirst();
    return Number(updated.numUpdatedRows) > 0;
  }

  async upsertFromImport(device: Parameters<DeviceRegistry["upsertFromImport"]>[0]) {
    const existing = await this.find(device.deviceId);
    if (!existing) {
      try {
        await this.add(device);
        return "added" as const;
      } catch (error) {
        if (!(error instanceof DeviceExistsError)) throw error; // another process imported it first
      }
    }
    if (existing && existing.label === device.label && existing.secretHash === device.secretHash) return "unchanged" as const;
    await this.db.updateTable("devices").set({ label: device.label, secret_hash: device.secretHash }).where("device_id", "=", device.deviceId).execute();
    return "updated" as const;
  }

  async recordSessionTypes(deviceId: string, sessionTypes: SessionTypeSpec[]) {
    await this.db.updateTable("devices").set({ session_types: json(sessionTypes) }).where("device_id", "=", deviceId).execute();
  }
}

function toDevice(row: Selectable<Database["devices"]>): RegisteredDevice {
  return {
    deviceId: row.device_id, label: row.label, kind: row.kind, secretHash: row.secret_hash,
    createdAt: millis(row.created_at), disabledAt: millis(row.disabled_at), sessionTypes: parse(row.session_types), pool: row.pool ?? "",
  };
}
