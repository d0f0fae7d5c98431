/**
 * The append half of `WebhookOutbox` (ports/outbox.ts) on a better-sqlite3 prepared
 * statement, for the group writer (sqliteTransitions.ts): the same SQL as
 * `SqlOutbox.enqueue` (adapters/sql/sqlOutbox.ts), written out. Rows get ids in the order
 * they are appended.
 */
import type { Database as BetterSqliteDatabase } from "better-sqlite3";
import type { NewOutboxMessage } from "../../ports/outbox.ts";

export function prepareOutboxWrites(database: BetterSqliteDatabase) {
  const insert = database.prepare(
    `insert into "webhook_outbox" ("endpoint", "device_id", "event_type", "body", "attempts", "next_attempt_at", "created_at", "delivered_at", "given_up_at", "last_error")
     values (?, ?, ?, ?, 0, ?, ?, null, null, null)`);
  return {
    enqueue(messages: NewOutboxMessage[]) {
      for (const m of messages) insert.run(m.endpoint, m.deviceId, m.eventType, m.body, m.createdAt, m.createdAt);
    },
  };
}
