/**
 * `AuditLog` (ports/audit.ts) on Kysely: append-only, read newest first.
 */
import type { AuditEntry, AuditLog } from "../../ports/audit.ts";
import { json, millis, parse, type Db } from "./schema.ts";

export class SqlAudit implements AuditLog {
  constructor(private readonly db: Db) {}

  async record(entry: AuditEntry) {
    await this.db.insertInto("audit").values({ at: entry.at, actor: entry.actor, action: entry.action, device_id: entry.deviceId, detail: json(entry.detail) }).execute();
  }

  async list(query: { deviceId?: string; limit: number }) {
    let select = this.db.selectFrom("audit").selectAll();
    if (query.deviceId !== undefined) select = select.where("device_id", "=", query.deviceId);
    const rows = await select.orderBy("seq", "desc").limit(query.limit).execute();
    return rows.map((row): AuditEntry => ({ at: millis(row.at), actor: row.actor, action: row.action as AuditEntry["action"], deviceId: row.device_id, detail: parse(row.detail) }));
  }
}
