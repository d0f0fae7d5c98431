/**
 * The write half of `ResultStore` (ports/results.ts) on better-sqlite3's own prepared
 * statements, for the transition writer (sqliteTransitions.ts): the same SQL as
 * `SqlResults.saveDelivered`, `saveOrphan` and `markHandedOver` (adapters/sql/sqlResults.ts), written out.
 */
import type { Database as BetterSqliteDatabase } from "better-sqlite3";
import { ORPHAN_LIMITS, type NewDeliveredResult, type NewOrphanedResult, type NewStoredOutcome } from "../../ports/results.ts";
import { json } from "../sql/schema.ts";

export function prepareResultWrites(database: BetterSqliteDatabase) {
  const delivered = database.prepare(
    `insert into "results" ("device_id", "run_id", "epoch", "user_id", "session_type", "output", "stored_at", "handed_over_at", "late_reason")
     values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict ("device_id", "run_id") do nothing`);
  const orphan = database.prepare(
    `insert into "orphaned_results" ("device_id", "run_id", "epoch", "reason", "output", "stored_at")
     values (?, ?, ?, ?, ?, ?) on conflict ("device_id", "run_id") do nothing`);
  const outcome = database.prepare(
    `insert into "outcomes" ("device_id", "user_id", "outcome_id", "kind", "epoch", "message", "stored_at", "handed_over_at")
     values (?, ?, ?, ?, ?, ?, ?, null) on conflict ("device_id", "outcome_id") do nothing`);
  // The same pruning as SqlResults.saveOrphan: the device's newest orphans within ORPHAN_LIMITS stay.
  const pruneOrphans = database.prepare(
    `delete from "orphaned_results" where "seq" in (
       select "seq" from (
         select "seq", row_number() over (order by "seq" desc) as rn, sum(length("output")) over (order by "seq" desc) as running
         from "orphaned_results" where "device_id" = ?
       ) ranked where rn > ? or running > ?)`);
  const handedOver = database.prepare(
    `update "results" set "handed_over_at" = ? where "device_id" = ? and "run_id" = ? and "handed_over_at" is null`);
  const outcomeHandedOver = database.prepare(
    `update "outcomes" set "handed_over_at" = ? where "device_id" = ? and "user_id" = ? and "outcome_id" = ? and "handed_over_at" is null`);
  return {
    /** As `SqlResults.markOutcomesHandedOver`: the outcome ids this call marked (the user's own, not handed over yet). */
    markOutcomesHandedOver: (deviceId: string, userId: string, outcomeIds: string[], at: number) =>
      outcomeIds.filter((outcomeId) => outcomeHandedOver.run(at, deviceId, userId, outcomeId).changes > 0),
    /** As `SqlResults.markHandedOver`: the run ids this call marked (none already handed over). */
    markHandedOver: (deviceId: string, runIds: string[], at: number) =>
      runIds.filter((runId) => handedOver.run(at, deviceId, runId).changes > 0),
    saveDelivered: (r: NewDeliveredResult) => ({
      inserted: delivered.run(r.deviceId, r.runId, r.epoch, r.userId, r.sessionType, json(r.output), r.storedAt, r.handedOverAt ?? null, r.lateReason ?? null).changes > 0,
    }),
    saveOutcome: (o: NewStoredOutcome) => ({
      inserted: outcome.run(o.deviceId, o.userId, o.outcomeId, o.kind, o.epoch, json(o.message), o.storedAt).changes > 0,
    }),
    saveOrphan: (o: NewOrphanedResult) => ({
      inserted: orphan.run(o.deviceId, o.runId, o.epoch, o.reason, json(o.output), o.storedAt).changes > 0,
      dropped: pruneOrphans.run(o.deviceId, ORPHAN_LIMITS.count, ORPHAN_LIMITS.bytes).changes,
    }),
  };
}
