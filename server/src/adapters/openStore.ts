/**
 * Chooses and opens the configured store: PostgreSQL when DATABASE_URL is set, otherwise
 * SQLite in the data directory. (The memory adapter is for unit tests and is never chosen
 * by configuration.)
 */
import type { BatonStore } from "../ports/store.ts";
import { openPostgresStore } from "./postgres/postgresStore.ts";
import { openSqliteStore } from "./sqlite/sqliteStore.ts";

/** `baton-server:<schema>` or `baton-cli:<schema>` (PostgreSQL keeps 63 bytes of it; a schema name is at most 63 too). */
export function applicationNameOf(user: StoreUser, schema: string): string {
  return `baton-${user}:${schema || "-"}`.slice(0, 63);
}

export interface StoreConfig {
  /** postgres://… — when set, PostgreSQL is used. */
  databaseUrl: string;
  /** PostgreSQL schema for Baton's tables ("" = the connection's default). */
  databaseSchema: string;
  /** Directory of the SQLite file when no DATABASE_URL is set. */
  dataDir: string;
  /** SQLite's commit durability: "full" (on disk when it returns) or "normal" (survives a process crash, not a power loss). */
  sqliteSynchronous?: "full" | "normal";
}

/** Who opens the store: a server, or the operator's CLI (named in PostgreSQL's application_name, see store/liveServer.ts). */
export type StoreUser = "server" | "cli";

export function openStore(config: StoreConfig, user: StoreUser = "server"): Promise<BatonStore> {
  if (config.databaseUrl) return openPostgresStore({ connectionString: config.databaseUrl, schema: config.databaseSchema, applicationName: applicationNameOf(user, config.databaseSchema) });
  return openSqliteStore({ dataDir: config.dataDir, synchronous: config.sqliteSynchronous });
}
