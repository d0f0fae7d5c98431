/**
 * `TransitionWriter` for SQLite, on better-sqlite3's own prepared statements (no query
 * building on the hot path): every group of writes (adapters/groupCommit.ts) is one
 * `BEGIN IMMEDIATE … COMMIT` — one fsync at `synchronous = FULL` for all the devices that
 * changed in that turn of the event loop — with a savepoint per write, so that one refused
 * write (an epoch regression) leaves the others committed. The same SQL as the Kysely
 * queries of adapters/sql/ (sqlDeviceStates.ts, sqlResults.ts, …), written out.
 *
 * better-sqlite3 is synchronous: a group is written and committed in one go, and nothing
 * else runs on the connection meanwhile. The one thing to wait for is a transaction that
 * Kysely opened on the same connection and has not finished (it awaits between its
 * queries): a group is never written into someone else's transaction, since that one could
 * still roll back after the group's writers were told their writes were committed.
 */
import type { Database as BetterSqliteDatabase } from "better-sqlite3";
import { EpochRegressionError } from "../../ports/deviceStates.ts";
import { ORPHAN_LIMITS } from "../../ports/results.ts";
import type { HistoryRecord, TransitionOutcome, TransitionWrite, TransitionWriter } from "../../ports/transitions.ts";
import { GroupCommit, type Settled } from "../groupCommit.ts";

const json = (value: unknown) => JSON.stringify(value);

export function createSqliteTransitions(database: BetterSqliteDatabase): TransitionWriter & { drain(): Promise<void> } {
  const statements = {
    saveState: database.prepare(
      `insert into "device_states" ("device_id", "epoch", "state", "updated_at") values (?, ?, ?, ?)
       on conflict ("device_id") do update set "epoch" = excluded."epoch", "state" = excluded."state", "updated_at" = excluded."updated_at"
       where "device_states"."epoch" <= excluded."epoch"`),
    storedEpoch: database.prepare(`select "epoch" from "device_states" where "device_id" = ?`).pluck(),
    delivered: database.prepare(
      `insert into "results" ("device_id", "run_id", "epoch", "user_id", "session_type", "output", "stored_at", "handed_over_at")
       values (?, ?, ?, ?, ?, ?, ?, ?) on conflict ("device_id", "run_id") do nothing`),
    orphan: database.prepare(
      `insert into "orphaned_results" ("device_id", "run_id", "epoch", "reason", "output", "stored_at")
       values (?, ?, ?, ?, ?, ?) on conflict ("device_id", "run_id") do nothing`),
    // The same pruning as SqlResults.saveOrphan: the device's newest orphans within ORPHAN_LIMITS stay.
    pruneOrphans: database.prepare(
      `delete from "orphaned_results" where "seq" in (
         select "seq" from (
           select "seq", row_number() over (order by "seq" desc) as rn, sum(length("output")) over (order by "seq" desc) as running
           from "orphaned_results" where "device_id" = ?
         ) ranked where rn > ? or running > ?)`),
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
    audit: database.prepare(`insert into "audit" ("at", "actor", "action", "device_id", "detail") values (?, ?, ?, ?, ?)`),
  };

  const writeRecord = (record: HistoryRecord) => {
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
    }
  };

  /** The parts of a write that are stored all or none. */
  const required = (write: TransitionWrite) => {
    if (write.state) {
      const state = write.state;
      if (statements.saveState.run(state.deviceId, state.epoch, json(state), Date.now()).changes === 0) {
        const stored = statements.storedEpoch.get(state.deviceId) as number | bigint | undefined;
        throw new EpochRegressionError(state.deviceId, stored === undefined ? -1 : Number(stored), state.epoch);
      }
    }
    const delivered = (write.delivered ?? []).map((r) => ({
      inserted: statements.delivered.run(r.deviceId, r.runId, r.epoch, r.userId, r.sessionType, json(r.output), r.storedAt, r.handedOverAt ?? null).changes > 0,
    }));
    const orphans = (write.orphans ?? []).map((o) => ({
      inserted: statements.orphan.run(o.deviceId, o.runId, o.epoch, o.reason, json(o.output), o.storedAt).changes > 0,
      dropped: statements.pruneOrphans.run(o.deviceId, ORPHAN_LIMITS.count, ORPHAN_LIMITS.bytes).changes,
    }));
    return { delivered, orphans };
  };
  // Nested in the group's transaction, so a savepoint: a refused write leaves the others.
  const requiredInSavepoint = database.transaction(required);

  const writeGroup = database.transaction((writes: TransitionWrite[]): Settled<TransitionOutcome>[] => writes.map((write) => {
    let stored: Omit<TransitionOutcome, "recordErrors">;
    // A group of one needs no savepoint: its failure is the transaction's (rolled back, rethrown).
    if (writes.length === 1) stored = required(write);
    else {
      try {
        stored = requiredInSavepoint(write);
      } catch (error) {
        if (!database.inTransaction) throw error; // SQLite rolled the whole transaction back (I/O error, disk full): the group fails
        return { ok: false, error };
      }
    }
    // A record is one statement: when it fails, SQLite undoes that statement alone.
    const recordErrors: unknown[] = [];
    const record = (write: () => unknown) => {
      try {
        write();
      } catch (error) {
        if (!database.inTransaction) throw error;
        recordErrors.push(error);
      }
    };
    for (const entry of write.history ?? []) record(() => writeRecord(entry));
    for (const entry of write.audit ?? []) record(() => statements.audit.run(entry.at, entry.actor, entry.action, entry.deviceId, json(entry.detail)));
    return { ok: true, value: { ...stored, recordErrors } };
  }));

  const group = new GroupCommit<TransitionWrite, TransitionOutcome>(async (writes) => {
    // Never inside a transaction Kysely has open on this connection (see the file comment).
    for (let waited = 0; database.inTransaction; waited++) {
      if (waited > 10_000) throw new Error("the SQLite connection stayed inside another transaction for 10 s");
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    return writeGroup.immediate(writes);
  });
  return { commit: (write) => group.submit(write), drain: () => group.drain() };
}
