/**
 * `TransitionWriter` on Kysely (PostgreSQL): one transaction per group of writes (see
 * adapters/groupCommit.ts), a savepoint per write so that one refused write (an epoch
 * regression) leaves the others of the group committed, and a savepoint per record (a
 * failed statement aborts a PostgreSQL transaction unless it is rolled back to one).
 * SQLite has its own implementation on prepared statements (adapters/sqlite/sqliteTransitions.ts).
 */
import { sql, type Kysely, type Transaction } from "kysely";
import { writeHistoryRecord, type TransitionOutcome, type TransitionWrite, type TransitionWriter } from "../../ports/transitions.ts";
import type { Database } from "./schema.ts";
import { GroupCommit, type Settled } from "../groupCommit.ts";
import { SqlAudit } from "./sqlAudit.ts";
import { SqlDeviceStates } from "./sqlDeviceStates.ts";
import { SqlHistory } from "./sqlHistory.ts";
import { SqlResults } from "./sqlResults.ts";

type Trx = Transaction<Database>;

async function inSavepoint<T>(trx: Trx, name: string, body: () => Promise<T>): Promise<T> {
  await sql`savepoint ${sql.id(name)}`.execute(trx);
  try {
    const value = await body();
    await sql`release savepoint ${sql.id(name)}`.execute(trx);
    return value;
  } catch (error) {
    await sql`rollback to savepoint ${sql.id(name)}`.execute(trx);
    throw error;
  }
}

async function applyWrite(trx: Trx, write: TransitionWrite, index: number): Promise<TransitionOutcome> {
  const required = await inSavepoint(trx, `w${index}`, async () => {
    if (write.state) await new SqlDeviceStates(trx).save(write.state);
    const results = new SqlResults(trx);
    const delivered = [];
    for (const result of write.delivered ?? []) delivered.push(await results.saveDelivered(result));
    const orphans = [];
    for (const orphan of write.orphans ?? []) orphans.push(await results.saveOrphan(orphan));
    for (const outcome of write.outcomes ?? []) await results.saveOutcome(outcome);
    return { delivered, orphans };
  });
  const recordErrors: unknown[] = [];
  const history = new SqlHistory(trx);
  const audit = new SqlAudit(trx);
  let n = 0;
  for (const record of write.history ?? []) {
    await inSavepoint(trx, `w${index}r${n++}`, () => writeHistoryRecord(history, record)).catch((error) => recordErrors.push(error));
  }
  for (const entry of write.audit ?? []) {
    await inSavepoint(trx, `w${index}r${n++}`, () => audit.record(entry)).catch((error) => recordErrors.push(error));
  }
  return { ...required, recordErrors };
}

export function createSqlTransitions(db: Kysely<Database>): TransitionWriter & { drain(): Promise<void> } {
  const group = new GroupCommit<TransitionWrite, TransitionOutcome>((writes) => db.transaction().execute(async (trx) => {
    const settled: Settled<TransitionOutcome>[] = [];
    for (const [index, write] of writes.entries()) {
      try {
        settled.push({ ok: true, value: await applyWrite(trx, write, index) });
      } catch (error) {
        settled.push({ ok: false, error });
      }
    }
    return settled;
  }));
  return { commit: (write) => group.submit(write), drain: () => group.drain() };
}
