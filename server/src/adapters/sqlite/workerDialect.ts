/**
 * Kysely on the SQLite worker (sqliteWorker.ts): every query of adapters/sql/ that writes —
 * and every query inside a transaction — is posted to the worker, which owns the one
 * connection that writes; the event loop awaits the reply and never waits for SQLite's
 * locks or fsync.
 *
 * Reads outside a transaction are answered on the main thread, from a read-only connection
 * to the same file: in WAL mode a reader never waits for the writer, reads no fsync, and
 * sees every transaction committed before it starts (so a read after an awaited write sees
 * the write). An indexed lookup here takes microseconds — less main-thread CPU than posting
 * it to the worker and handling the reply (measured in docs/BENCHMARKS.md, "SQLite off the
 * event loop") — and answers without a thread hop. A database in memory (":memory:") has
 * no second connection: there, reads go to the worker too.
 *
 * Transactions: each acquired connection has its own id, and the worker holds back requests
 * from other connections while one has a transaction open (sqliteWorker.ts), as a single
 * synchronous connection would.
 */
import type { Database as BetterSqliteDatabase, Statement } from "better-sqlite3";
import {
  CompiledQuery, SelectQueryNode, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler,
  type DatabaseConnection, type Dialect, type Driver, type Kysely, type QueryResult,
} from "kysely";
import type { QueryReply } from "./sqliteWorker.ts";
import type { SqliteWorkerClient } from "./workerClient.ts";

/** Read-only statements on the main thread's connection, prepared once per SQL text. */
export class MainThreadReader {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly database: BetterSqliteDatabase) {}

  all(sql: string, params: readonly unknown[]): unknown[] {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.database.prepare(sql);
      if (this.statements.size >= 256) this.statements.delete(this.statements.keys().next().value!);
      this.statements.set(sql, statement);
    }
    return statement.all(params as unknown[]);
  }

  close() {
    this.statements.clear();
    this.database.close();
  }
}

let connections = 0;

class WorkerConnection implements DatabaseConnection {
  readonly id = ++connections;
  inTransaction = false;

  constructor(private readonly client: SqliteWorkerClient, private readonly reader: MainThreadReader | null) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    if (this.reader && !this.inTransaction && SelectQueryNode.is(compiled.query)) {
      return { rows: this.reader.all(compiled.sql, compiled.parameters) as R[] };
    }
    const reply = await this.client.request<QueryReply>({ op: "query", conn: this.id, sql: compiled.sql, params: compiled.parameters });
    if (reply.changes === undefined) return { rows: reply.rows as R[] };
    return {
      rows: reply.rows as R[],
      numAffectedRows: BigInt(reply.changes),
      insertId: reply.lastInsertRowid != null ? BigInt(reply.lastInsertRowid) : undefined,
    };
  }

  async *streamQuery<R>(compiled: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(compiled.query)) throw new Error("Sqlite driver only supports streaming of select queries");
    const { rows } = await this.executeQuery<R>(compiled);
    for (const row of rows) yield { rows: [row] };
  }

  async transaction(op: "begin" | "commit" | "rollback") {
    await this.client.request({ op, conn: this.id });
    this.inTransaction = op === "begin";
  }
}

class WorkerDriver implements Driver {
  constructor(private readonly client: SqliteWorkerClient, private readonly reader: MainThreadReader | null) {}

  async init() {}

  async acquireConnection() {
    return new WorkerConnection(this.client, this.reader);
  }

  async beginTransaction(connection: DatabaseConnection) {
    await (connection as WorkerConnection).transaction("begin");
  }

  async commitTransaction(connection: DatabaseConnection) {
    await (connection as WorkerConnection).transaction("commit");
  }

  async rollbackTransaction(connection: DatabaseConnection) {
    await (connection as WorkerConnection).transaction("rollback");
  }

  async releaseConnection() {}

  async destroy() {
    this.reader?.close();
  }
}

/** SQLite's dialect (compiler, adapter, introspector) with the worker as its driver. */
export function workerDialect(client: SqliteWorkerClient, reader: MainThreadReader | null): Dialect {
  return {
    createDriver: () => new WorkerDriver(client, reader),
    createQueryCompiler: () => new SqliteQueryCompiler(),
    createAdapter: () => new SqliteAdapter(),
    createIntrospector: (db: Kysely<any>) => new SqliteIntrospector(db),
  };
}
