/**
 * `TransitionWriter` for SQLite, on better-sqlite3's own prepared statements (no query
 * building on the hot path): every group of writes (adapters/groupCommit.ts) is one
 * `BEGIN IMMEDIATE … COMMIT` — one fsync at `synchronous = FULL` for all the devices that
 * changed in that turn of the event loop — with a savepoint per write, so that one refused
 * write (an epoch regression) leaves the others committed. The statements are prepared per
 * port (sqliteDeviceStates.ts, sqliteResults.ts, sqliteHistory.ts, sqliteAudit.ts): the same
 * SQL as the Kysely queries of adapters/sql/, written out.
 *
 * better-sqlite3 is synchronous: a group is written and committed in one go, and nothing
 * else runs on the connection meanwhile. The one thing to wait for is a transaction that
 * Kysely opened on the same connection and has not finished (it awaits between its
 * queries): a group is never written into someone else's transaction, since that one could
 * still roll back after the group's writers were told their writes were committed.
 */
import type { Database as BetterSqliteDatabase } from "better-sqlite3";
import type { TransitionOutcome, TransitionWrite, TransitionWriter } from "../../ports/transitions.ts";
import { GroupCommit, type Settled } from "../groupCommit.ts";
import { prepareAuditWrites } from "./sqliteAudit.ts";
import { prepareDeviceStateWrites } from "./sqliteDeviceStates.ts";
import { prepareHistoryWrites } from "./sqliteHistory.ts";
import { prepareResultWrites } from "./sqliteResults.ts";

export function createSqliteTransitions(database: BetterSqliteDatabase): TransitionWriter & { drain(): Promise<void> } {
  const deviceStates = prepareDeviceStateWrites(database);
  const results = prepareResultWrites(database);
  const history = prepareHistoryWrites(database);
  const audit = prepareAuditWrites(database);

  /** The parts of a write that are stored all or none. */
  const required = (write: TransitionWrite) => {
    if (write.state) deviceStates.save(write.state);
    const delivered = (write.delivered ?? []).map(results.saveDelivered);
    const orphans = (write.orphans ?? []).map(results.saveOrphan);
    for (const outcome of write.outcomes ?? []) results.saveOutcome(outcome);
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
    for (const entry of write.history ?? []) record(() => history.write(entry));
    for (const entry of write.audit ?? []) record(() => audit.record(entry));
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
