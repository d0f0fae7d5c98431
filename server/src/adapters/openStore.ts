/**
 * Chooses and opens the configured store: PostgreSQL when DATABASE_URL is set, otherwise
 * SQLite in the data directory. (The memory adapter is for unit tests and is never chosen
 * by configuration.)
 */
import type { BatonStore } from "../ports/store.ts";
import { openPostgresStore } from "./postgres/postgresStore.ts";
import { openSqliteStore } from "./sqlite/sqliteStore.ts";

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

export function openStore(config: StoreConfig): Promise<BatonStore> {
  if (config.databaseUrl) return openPostgresStore({ connectionString: config.databaseUrl, schema: config.databaseSchema });
  return openSqliteStore({ dataDir: config.dataDir, synchronous: config.sqliteSynchronous });
}
