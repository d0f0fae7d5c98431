/**
 * The write half of `HistoryStore` (ports/history.ts) on better-sqlite3's own prepared
 * statements, for the transition writer (sqliteTransitions.ts): the same SQL as
 * `SqlHistory` (adapters/sql/sqlHistory.ts), written out.
 */
import type { Database as BetterSqliteDatabase } from "better-sqlite3";
import type { HistoryRecord } from "../../ports/transitions.ts";
import { json } from "../sql/schema.ts";

export function prepareHistoryWrites(database: BetterSqliteDatabase) {
  const statements = {
    sessionStarted: database.prepare(
      `insert into "sessions" ("device_id", "epoch", "user_id", "user_name", "started_at", "ended_at", "end_reason")
       values (?, ?, ?, ?, ?, null, null) on conflict ("device_id", "epoch") do nothing`),
    sessionEnded: database.prepare(
      `update "sessions" set "ended_at" = ?, "end_reason" = ? where "device_id" = ? and "epoch" = ? and "ended_at" is null`),
    runStarted: database.prepare(
      `insert into "runs" ("device_id", "run_id", "epoch", "user_id", "session_type", "input", "started_at", "ended_at", "ok", "output", "failure_code", "failure_message")
       values (?, ?, ?, ?, ?, ?, ?, null, null, null, null, null) on conflict ("device_id", "run_id") do nothing`),
    runFinished: database.prepare(
      `update "runs" set "ended_at" = ?, "ok" = ?, "output" = ?, "failure_code" = ?, "failure_message" = ?
       where "device_id" = ? and "run_id" = ? and "ended_at" is null`),
    runLateOutput: database.prepare(
      `update "runs" set "output" = ? where "device_id" = ? and "run_id" = ? and "output" is null`),
  };

  return {
    write(record: HistoryRecord) {
      switch (record.kind) {
        case "sessionStarted": {
          const r = record.record;
          return statements.sessionStarted.run(r.deviceId, r.epoch, r.userId, r.userName, r.startedAt);
        }
        case "sessionEnded":
          return statements.sessionEnded.run(record.endedAt, record.endReason, record.deviceId, record.epoch);
        case "runStarted": {
          const r = record.record;
          return statements.runStarted.run(r.deviceId, r.runId, r.epoch, r.userId, r.sessionType, json(r.input), r.startedAt);
        }
        case "runFinished": {
          const o = record.outcome;
          return statements.runFinished.run(o.endedAt, o.ok ? 1 : 0, o.output ? json(o.output) : null, o.failureCode ?? null, o.failureMessage ?? null, record.deviceId, record.runId);
        }
        case "runLateOutput":
          return statements.runLateOutput.run(json(record.output), record.deviceId, record.runId);
      }
    },
  };
}
