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
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import path from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import type { BatonStore } from "../../ports/store.ts";
import { migrateToLatest } from "../sql/migrations.ts";
import type { Database } from "../sql/schema.ts";
import { createSqlStore } from "../sql/sqlStore.ts";
import { withStatementCache } from "./statementCache.ts";
import { createSqliteTransitions } from "./sqliteTransitions.ts";

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
  const database = new SQLite(file);
  database.pragma("journal_mode = WAL");
  if (file !== ":memory:") tightenModes(file);
  database.pragma(options.synchronous === "normal" ? "synchronous = NORMAL" : "synchronous = FULL");
  database.pragma("foreign_keys = ON");
  // Another process (the CLI) may hold the write lock for a moment.
  database.pragma("busy_timeout = 5000");
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
  try {
    await migrateToLatest(db, "sqlite");
  } catch (error) {
    await db.destroy();
    throw error;
  }
  // A transition's writes go through better-sqlite3's own statements, grouped per turn of the event loop.
  const transitions = createSqliteTransitions(database);
  return createSqlStore(db, { kind: "sqlite", location: file }, async () => {
    await transitions.drain();
    await db.destroy();
  }, transitions);
}
