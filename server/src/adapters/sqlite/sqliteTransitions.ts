/**
 * The transition writer's statements for SQLite, on better-sqlite3's own prepared statements
 * (no query building on the hot path): every group of writes (adapters/groupCommit.ts) is one
 * `BEGIN IMMEDIATE … COMMIT` — one fsync at `synchronous = FULL` for all the devices that
 * changed in that turn of the event loop, and for the webhook notifications enqueued in it —
 * with a savepoint per write, so that one refused write (an epoch regression) leaves the
 * others committed. The owners' acknowledgements (`result_ack` → a result, a failure or a
 * session end handed over) ride in the same groups. The statements are prepared per port (sqliteDeviceStates.ts,
 * sqliteResults.ts, sqliteHistory.ts, sqliteAudit.ts, sqliteOutbox.ts): the same SQL as the
 * Kysely queries of adapters/sql/, written out.
 *
 * `prepareGroupWriter` is what the store's worker thread runs (sqliteWorker.ts): the event
 * loop only posts the group and awaits its outcome. `createSqliteTransitions` runs the same
 * writer on the calling thread — the way every commit ran before the worker (issue 20); it is
 * kept for the test and the measurement that compare the two (test/store/eventLoop.test.ts).
 */
import type { Database as BetterSqliteDatabase } from "better-sqlite3";
import type { NewOutboxMessage } from "../../ports/outbox.ts";
import type { TransitionOutcome, TransitionWrite, TransitionWriter } from "../../ports/transitions.ts";
import { GroupCommit, type Settled } from "../groupCommit.ts";
import { prepareAuditWrites } from "./sqliteAudit.ts";
import { prepareDeviceStateWrites } from "./sqliteDeviceStates.ts";
import { prepareHistoryWrites } from "./sqliteHistory.ts";
import { prepareOutboxWrites } from "./sqliteOutbox.ts";
import { prepareResultWrites } from "./sqliteResults.ts";

/**
 * One entry of a group: a transition, webhook notifications to append to the outbox, or
 * results their owner acknowledged (`ResultStore.markHandedOver`).
 */
export type GroupItem =
  | { kind: "transition"; write: TransitionWrite }
  | { kind: "outbox"; messages: NewOutboxMessage[] }
  | { kind: "handedOver"; deviceId: string; runIds: string[]; at: number }
  | { kind: "outcomesHandedOver"; deviceId: string; userId: string; outcomeIds: string[]; at: number };
/** What a group entry resolves with: the transition's outcome; the run (or outcome) ids marked handed over; nothing for the outbox. */
export type GroupOutcome = TransitionOutcome | string[] | null;

/**
 * A function that writes and commits a group in one `BEGIN IMMEDIATE` transaction and returns
 * each entry's outcome in order; it throws (nothing committed) when the transaction failed.
 * Never call it while the connection is inside another transaction.
 */
export function prepareGroupWriter(database: BetterSqliteDatabase): (items: GroupItem[]) => Settled<GroupOutcome>[] {
  const deviceStates = prepareDeviceStateWrites(database);
  const results = prepareResultWrites(database);
  const history = prepareHistoryWrites(database);
  const audit = prepareAuditWrites(database);
  const outbox = prepareOutboxWrites(database);

  /** The parts of an entry that are stored all or none. */
  const required = (item: GroupItem): Omit<TransitionOutcome, "recordErrors"> | string[] | null => {
    if (item.kind === "outbox") {
      outbox.enqueue(item.messages);
      return null;
    }
    if (item.kind === "handedOver") return results.markHandedOver(item.deviceId, item.runIds, item.at);
    if (item.kind === "outcomesHandedOver") return results.markOutcomesHandedOver(item.deviceId, item.userId, item.outcomeIds, item.at);
    const write = item.write;
    if (write.state) deviceStates.save(write.state);
    const delivered = (write.delivered ?? []).map(results.saveDelivered);
    const orphans = (write.orphans ?? []).map(results.saveOrphan);
    for (const outcome of write.outcomes ?? []) results.saveOutcome(outcome);
    return { delivered, orphans };
  };
  // Nested in the group's transaction, so a savepoint: a refused write leaves the others.
  const requiredInSavepoint = database.transaction(required);

  const writeGroup = database.transaction((items: GroupItem[]): Settled<GroupOutcome>[] => items.map((item) => {
    let stored: Omit<TransitionOutcome, "recordErrors"> | string[] | null;
    // A group of one needs no savepoint: its failure is the transaction's (rolled back, rethrown).
    if (items.length === 1) stored = required(item);
    else {
      try {
        stored = requiredInSavepoint(item);
      } catch (error) {
        if (!database.inTransaction) throw error; // SQLite rolled the whole transaction back (I/O error, disk full): the group fails
        return { ok: false, error };
      }
    }
    if (item.kind !== "transition" || !stored || Array.isArray(stored)) return { ok: true, value: stored as string[] | null };
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
    for (const entry of item.write.history ?? []) record(() => history.write(entry));
    for (const entry of item.write.audit ?? []) record(() => audit.record(entry));
    return { ok: true, value: { ...stored, recordErrors } };
  }));
  return (items) => writeGroup.immediate(items);
}

/**
 * The transition writer on the calling thread: better-sqlite3 writes and commits (fsync
 * included) synchronously, blocking the event loop for the whole group. Not what the store
 * uses any more (sqliteStore.ts puts the writer on a worker thread); kept as the baseline of
 * the event-loop comparison. The connection must not be used by anything else meanwhile.
 */
export function createSqliteTransitions(database: BetterSqliteDatabase): TransitionWriter & { drain(): Promise<void> } {
  const writeGroup = prepareGroupWriter(database);
  const group = new GroupCommit<TransitionWrite, TransitionOutcome>((writes) =>
    writeGroup(writes.map((write) => ({ kind: "transition", write }))) as Settled<TransitionOutcome>[]);
  return { commit: (write) => group.submit(write), drain: () => group.drain() };
}
