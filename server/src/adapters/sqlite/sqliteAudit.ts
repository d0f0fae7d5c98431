/**
 * The write half of `AuditLog` (ports/audit.ts) on a better-sqlite3 prepared statement, for
 * the transition writer (sqliteTransitions.ts): the same SQL as `SqlAudit.record`
 * (adapters/sql/sqlAudit.ts), written out.
 */
import type { Database as BetterSqliteDatabase } from "better-sqlite3";
import type { AuditEntry } from "../../ports/audit.ts";
import { json } from "../sql/schema.ts";

export function prepareAuditWrites(database: BetterSqliteDatabase) {
  const insert = database.prepare(`insert into "audit" ("at", "actor", "action", "device_id", "detail") values (?, ?, ?, ?, ?)`);
  return {
    record: (entry: AuditEntry) => insert.run(entry.at, entry.actor, entry.action, entry.deviceId, json(entry.detail)),
  };
}
