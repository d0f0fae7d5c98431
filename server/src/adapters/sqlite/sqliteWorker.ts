/**
 * The SQLite store's worker thread (issue 20 item 2): it owns the one connection that writes,
 * so no commit — and no fsync at `synchronous = FULL` — ever runs on the event loop. The main
 * thread (workerClient.ts) posts requests and awaits their replies:
 *
 * - `group`: a group of transitions and outbox appends (adapters/groupCommit.ts batches them
 *   on the main thread, one group in flight at a time), written and committed here in one
 *   `BEGIN IMMEDIATE` transaction by `prepareGroupWriter` (sqliteTransitions.ts). The reply
 *   leaves after COMMIT has returned, i.e. once the group is durable at the configured level.
 * - `query`, `begin`, `commit`, `rollback`: Kysely's queries (workerDialect.ts) for every
 *   other write, and for reads inside a transaction.
 * - `close`: closes the connection (SQLite checkpoints the WAL), after everything before it.
 *
 * Requests are handled one at a time, in the order they were posted. While a Kysely
 * transaction is open (it awaits the main thread between its queries), requests that do not
 * belong to it — a group, another connection's query — wait here until it ends: nothing is
 * ever written into someone else's transaction, which could still roll back after its
 * writers were told their writes were committed.
 */
import { parentPort, workerData } from "node:worker_threads";
import SQLite from "better-sqlite3";
import type { Statement } from "better-sqlite3";
import type { Settled } from "../groupCommit.ts";
import { prepareGroupWriter, type GroupItem, type GroupOutcome } from "./sqliteTransitions.ts";
import { toWire } from "./workerErrors.ts";

export interface WorkerOptions {
  file: string;
  synchronous: "full" | "normal";
}

export type WorkerRequest =
  | { id: number; op: "group"; items: GroupItem[] }
  | { id: number; op: "query"; conn: number; sql: string; params: readonly unknown[] }
  | { id: number; op: "begin" | "commit" | "rollback"; conn: number }
  | { id: number; op: "close" };

/** A query's reply, as Kysely's SqliteConnection builds it. */
export interface QueryReply {
  rows: unknown[];
  changes?: number;
  lastInsertRowid?: number | bigint;
}

const port = parentPort!;
const options = workerData as WorkerOptions;

let database: SQLite.Database;
let writeGroup: (items: GroupItem[]) => Settled<GroupOutcome>[];
try {
  database = new SQLite(options.file);
  database.pragma("journal_mode = WAL");
  database.pragma(options.synchronous === "normal" ? "synchronous = NORMAL" : "synchronous = FULL");
  database.pragma("foreign_keys = ON");
  // Another process (the CLI) may hold the write lock for a moment; waiting blocks this thread only.
  database.pragma("busy_timeout = 5000");
  port.postMessage({ ready: true });
} catch (error) {
  port.postMessage({ ready: false, error: toWire(error) });
  process.exit(1);
}

// Prepared once per SQL text (Kysely issues a small, fixed set; parameters are bound), bounded.
const statements = new Map<string, Statement>();
function prepare(sql: string): Statement {
  let statement = statements.get(sql);
  if (statement) statements.delete(sql);
  else {
    statement = database.prepare(sql);
    if (statements.size >= 256) statements.delete(statements.keys().next().value!);
  }
  statements.set(sql, statement);
  return statement;
}

function query(sql: string, params: readonly unknown[]): QueryReply {
  const statement = prepare(sql);
  if (statement.reader) return { rows: statement.all(params) };
  const { changes, lastInsertRowid } = statement.run(params);
  return { rows: [], changes, lastInsertRowid };
}

/** The Kysely connection whose transaction is open on the database, if any. */
let transactionOf: number | null = null;
const waiting: WorkerRequest[] = [];

function handle(request: WorkerRequest): unknown {
  switch (request.op) {
    case "group":
      // Prepared on first use: the tables exist only once the main thread has migrated.
      writeGroup ??= prepareGroupWriter(database);
      return writeGroup(request.items).map((settled) => settled.ok ? settled : { ok: false, error: toWire(settled.error) });
    case "query":
      return query(request.sql, request.params);
    case "begin":
      database.exec("begin");
      return null;
    case "commit":
      database.exec("commit");
      return null;
    case "rollback":
      database.exec("rollback");
      return null;
    case "close":
      database.close();
      return null;
  }
}

function run(request: WorkerRequest) {
  let reply: { id: number; ok: true; value: unknown } | { id: number; ok: false; error: ReturnType<typeof toWire> };
  try {
    const value = handle(request);
    if (request.op === "group") {
      // Records that failed (best effort) travel as data too.
      for (const settled of value as Settled<GroupOutcome>[]) {
        if (settled.ok && settled.value && !Array.isArray(settled.value)) settled.value.recordErrors = settled.value.recordErrors.map(toWire);
      }
    }
    reply = { id: request.id, ok: true, value };
  } catch (error) {
    reply = { id: request.id, ok: false, error: toWire(error) };
  }
  if (request.op === "begin" && database.inTransaction) transactionOf = request.conn;
  // A failed COMMIT may leave the transaction open (SQLITE_BUSY): it ends with the rollback.
  if (transactionOf !== null && (!database.open || !database.inTransaction)) transactionOf = null;
  port.postMessage(reply);
}

function belongs(request: WorkerRequest): boolean {
  return transactionOf === null || ("conn" in request && request.conn === transactionOf);
}

port.on("message", (request: WorkerRequest) => {
  if (!belongs(request)) {
    waiting.push(request);
    return;
  }
  run(request);
  // The transaction ended: what waited for it runs now, in order, until one opens another.
  while (transactionOf === null && waiting.length > 0) {
    const next = waiting.shift()!;
    run(next);
    if (transactionOf !== null) {
      // Requests of the new transaction that were already waiting may run; the rest wait on.
      for (let index = 0; index < waiting.length && transactionOf !== null;) {
        if (belongs(waiting[index]!)) run(waiting.splice(index, 1)[0]!);
        else index++;
      }
    }
  }
});
