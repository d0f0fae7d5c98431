/**
 * Prepared statements, kept: Kysely's SQLite driver calls `prepare(sql)` for every query,
 * and SQLite then parses and plans the same few SQL texts again and again — in the
 * benchmark that was a quarter of the store's CPU time. The store issues a small, fixed set
 * of SQL texts (parameters are bound, never inlined), so a bounded cache by SQL text keeps
 * each one prepared once. Kysely runs one query at a time on this connection, so a cached
 * statement is never in use twice at once.
 */
import type { Database as BetterSqliteDatabase, Statement } from "better-sqlite3";
import type { SqliteDatabase } from "kysely";

export function withStatementCache(database: BetterSqliteDatabase, capacity = 256): SqliteDatabase {
  const statements = new Map<string, Statement>();
  return {
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (statement) {
        // Most recently used last, so the first entry is the one to evict.
        statements.delete(sql);
      } else {
        statement = database.prepare(sql);
        if (statements.size >= capacity) statements.delete(statements.keys().next().value!);
      }
      statements.set(sql, statement);
      return statement as unknown as ReturnType<SqliteDatabase["prepare"]>;
    },
    close() {
      statements.clear();
      database.close();
    },
  };
}
