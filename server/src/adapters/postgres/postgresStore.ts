/**
 * PostgreSQL adapter (pg), selected by DATABASE_URL: the store for several Baton processes
 * (and for sites that already run PostgreSQL). The same Kysely queries and migrations as
 * SQLite; only the connection differs. An optional schema keeps Baton's tables apart in a
 * shared database (and gives every test run its own).
 */
import pg from "pg";
import { Kysely, PostgresDialect, sql } from "kysely";
import type { BatonStore } from "../../ports/store.ts";
import { migrateToLatest } from "../sql/migrations.ts";
import type { Database } from "../sql/schema.ts";
import { createSqlStore } from "../sql/sqlStore.ts";
import { createSqlTransitions } from "../sql/sqlTransitions.ts";
import { withoutPassword } from "../../observability/redactUrl.ts";

export interface PostgresStoreOptions {
  connectionString: string;
  /** Schema for Baton's tables (created if missing); empty = the connection's search_path. */
  schema?: string;
  maxConnections?: number;
  /** PostgreSQL's application_name of every connection: how `npm run baton` sees a live server (store/liveServer.ts). */
  applicationName?: string;
}

const SchemaName = /^[a-z_][a-z0-9_]{0,62}$/;

/** The URL without its password, for banners and logs. */
export function redactDatabaseUrl(connectionString: string): string {
  return withoutPassword(connectionString, "***") ?? "postgres://(unparseable URL)";
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<BatonStore> {
  const schema = options.schema ?? "";
  if (schema && !SchemaName.test(schema)) throw new Error(`database schema name "${schema}" must be lower-case letters, digits and '_'`);
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    // Every connection works in Baton's schema; set at connect time, so no query names it.
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
    connectionTimeoutMillis: 5_000,
    ...(options.applicationName ? { application_name: options.applicationName } : {}),
  });
  // An idle client that loses its server must not crash the process; the next query reconnects.
  pool.on("error", (error) => console.error("baton: PostgreSQL connection error:", error.message));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
    await migrateToLatest(db, "postgres");
  } catch (error) {
    await db.destroy();
    throw new Error(`cannot open the PostgreSQL store at ${redactDatabaseUrl(options.connectionString)}: ${(error as Error).message}`, { cause: error });
  }
  const location = redactDatabaseUrl(options.connectionString) + (schema ? ` (schema ${schema})` : "");
  const transitions = createSqlTransitions(db);
  return createSqlStore(db, { kind: "postgres", location }, async () => {
    await transitions.drain();
    await db.destroy();
  }, transitions);
}
