/**
 * SQLite adapter (better-sqlite3): the embedded default. One file under the data directory,
 * created (with the directory) on first start and migrated at every start.
 *
 * WAL journal: readers do not block the writer, and a commit is one append. `synchronous =
 * FULL` (the default) makes each commit durable before it returns — the promise behind "an
 * acknowledged result is on disk" — at the cost of an fsync per commit (measured here: about
 * 0.6 ms median, 5 ms p99). `NORMAL` skips that fsync: a commit then survives a crash of the
 * process (a SIGKILL) but not of the machine (power loss); an operator may choose it for
 * latency (BATON_SQLITE_SYNCHRONOUS=normal).
 *
 * Threads (issue 20 item 2): the connection that writes lives on a worker thread
 * (sqliteWorker.ts), so no commit and no fsync runs on the event loop. The group commit
 * (adapters/groupCommit.ts) still gathers a turn's transitions on the main thread and posts
 * each group as one message; the worker commits it in one transaction and replies once it is
 * durable, and only then do the submitters' promises settle — what the room awaits before an
 * `ack` or a `start` is unchanged. Webhook notifications are appended in those same groups
 * (`GroupedOutbox`), and so are the owners' acknowledgements (`markHandedOver`,
 * `markOutcomesHandedOver`). Every other query goes through Kysely on a driver that posts writes to
 * the worker and answers reads outside transactions from a read-only connection on the main
 * thread (workerDialect.ts).
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import path from "node:path";
import SQLite from "better-sqlite3";
import { Kysely } from "kysely";
import type { BatonStore, NewOutboxMessage, ResultStore, TransitionOutcome, TransitionWriter, WebhookOutbox } from "../../ports/store.ts";
import { GroupCommit, type Settled } from "../groupCommit.ts";
import { migrateToLatest } from "../sql/migrations.ts";
import type { Database } from "../sql/schema.ts";
import { createSqlStore } from "../sql/sqlStore.ts";
import type { GroupItem, GroupOutcome } from "./sqliteTransitions.ts";
import { SqliteWorkerClient } from "./workerClient.ts";
import { MainThreadReader, workerDialect } from "./workerDialect.ts";
import { fromWire, type WireError } from "./workerErrors.ts";

export const SQLITE_FILE_NAME = "baton.sqlite";

export interface SqliteStoreOptions {
  /** Directory holding `baton.sqlite` (created if missing); ":memory:" for a throw-away database. */
  dataDir: string;
  synchronous?: "full" | "normal";
}

/** The store's companions: SQLite's write-ahead log and its shared-memory index. */
const COMPANIONS = ["-wal", "-shm"];

/**
 * The store holds device secret hashes, every run's inputs and outputs and the audit log:
 * only the server's own user may read it. A missing data directory is created 0700 (an
 * existing one is left as the operator made it); the database file is created 0600 before
 * SQLite opens it, and SQLite gives its -wal and -shm files the database file's mode.
 */
function preparePrivateFile(file: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  if (existsSync(file)) tightenModes(file);
  else closeSync(openSync(file, "a", 0o600));
}

/** Files an older version created 0644 are made 0600 (POSIX; a no-op on Windows). */
function tightenModes(file: string): void {
  for (const each of [file, ...COMPANIONS.map((suffix) => file + suffix)]) {
    if (existsSync(each)) chmodSync(each, 0o600);
  }
}

export async function openSqliteStore(options: SqliteStoreOptions): Promise<BatonStore> {
  const file = options.dataDir === ":memory:" ? ":memory:" : path.resolve(options.dataDir, SQLITE_FILE_NAME);
  if (file !== ":memory:") preparePrivateFile(file);
  // The connection that writes lives on a worker thread (sqliteWorker.ts): no commit blocks the event loop.
  const worker = await SqliteWorkerClient.start({ file, synchronous: options.synchronous === "normal" ? "normal" : "full" });
  if (file !== ":memory:") tightenModes(file);
  let reader: MainThreadReader | null = null;
  if (file !== ":memory:") {
    const readOnly = new SQLite(file, { readonly: true });
    readOnly.pragma("busy_timeout = 1000");
    reader = new MainThreadReader(readOnly);
  }
  const db = new Kysely<Database>({ dialect: workerDialect(worker, reader) });
  try {
    await migrateToLatest(db, "sqlite");
  } catch (error) {
    await db.destroy();
    await worker.close();
    throw error;
  }
  // Transitions, webhook notifications and handed-over marks, grouped per turn of the event loop, one transaction per group, in the worker.
  const group = new GroupCommit<GroupItem, GroupOutcome>(async (items) => {
    const settled = await worker.request<Settled<GroupOutcome>[]>({ op: "group", items });
    return settled.map((each) => {
      if (!each.ok) return { ok: false, error: fromWire(each.error as WireError) };
      if (each.value && !Array.isArray(each.value)) each.value.recordErrors = each.value.recordErrors.map((error) => fromWire(error as WireError));
      return each;
    });
  });
  const transitions: TransitionWriter = { commit: (write) => group.submit({ kind: "transition", write }) as Promise<TransitionOutcome> };
  const handedOver = (deviceId: string, runIds: string[], at: number) =>
    runIds.length === 0 ? Promise.resolve([]) : group.submit({ kind: "handedOver", deviceId, runIds, at }) as Promise<string[]>;
  const store = createSqlStore(db, { kind: "sqlite", location: file }, async () => {
    await group.drain();
    await db.destroy();
    await worker.close();
  }, transitions);
  // The outbox's appends in the group commit: a turn's notifications are committed in the same
  // worker transaction as its transitions (one fsync), and `enqueue` resolves once they are
  // durable. Everything else (the dispatcher's reads and updates, the admin listing) is the SQL
  // outbox's own, inherited, so no method can be forgotten in a hand-written delegation.
  const enqueue = async (messages: NewOutboxMessage[]) => {
    if (messages.length > 0) await group.submit({ kind: "outbox", messages });
  };
  store.outbox = Object.assign(Object.create(store.outbox) as WebhookOutbox, { enqueue });
  // An owner's `result_ack` marks the result (or the failure, or the session end) handed over:
  // in the group too, not a Kysely query and a commit of its own — one per claim otherwise.
  const outcomesHandedOver = (deviceId: string, userId: string, outcomeIds: string[], at: number) =>
    outcomeIds.length === 0 ? Promise.resolve([]) : group.submit({ kind: "outcomesHandedOver", deviceId, userId, outcomeIds, at }) as Promise<string[]>;
  store.results = Object.assign(Object.create(store.results) as ResultStore, { markHandedOver: handedOver, markOutcomesHandedOver: outcomesHandedOver });
  return store;
}
