/**
 * Migrations: an empty database of each kind is migrated to the latest version at open, and
 * opening it again migrates nothing (the versions are recorded).
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import SQLite from "better-sqlite3";
import pg from "pg";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import { describe, expect, it } from "vitest";
import { appliedMigrations, migrateToLatest, MIGRATION_NAMES } from "@baton/server/adapters/sql/migrations.ts";
import { openSqliteStore } from "@baton/server/adapters/sqlite/sqliteStore.ts";
import { openPostgresStore } from "@baton/server/adapters/postgres/postgresStore.ts";
import { createTestSchema } from "../support/postgres.ts";

describe("migrations", () => {
  it("migrate an empty SQLite database to the latest version, once", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "baton-migrate-"));
    try {
      const store = await openSqliteStore({ dataDir: dir }); // creates the file and migrates
      await store.close();
      const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new SQLite(path.join(dir, "baton.sqlite")) }) });
      expect(await appliedMigrations(db, "sqlite")).toEqual(MIGRATION_NAMES);
      expect(await migrateToLatest(db, "sqlite")).toEqual([]); // nothing left to do
      const tables = (await db.introspection.getTables()).map((table) => table.name).sort();
      expect(tables).toEqual(["audit", "bookings", "device_availability", "device_states", "devices", "firmware_updates", "orphaned_results", "outcomes", "results", "runs", "sessions", "telemetry_samples", "webhook_outbox"]);
      await db.destroy();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("migrate an empty PostgreSQL schema to the latest version, once", async () => {
    const schema = await createTestSchema();
    try {
      const store = await openPostgresStore({ connectionString: schema.url, schema: schema.schema });
      await store.close();
      const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: schema.url, options: `-c search_path=${schema.schema}`, max: 1 }) }) });
      expect(await appliedMigrations(db, "postgres")).toEqual(MIGRATION_NAMES);
      expect(await migrateToLatest(db, "postgres")).toEqual([]);
      const tables = (await db.introspection.getTables()).filter((table) => table.schema === schema.schema).map((table) => table.name).sort();
      expect(tables).toEqual(["audit", "bookings", "device_availability", "device_states", "devices", "firmware_updates", "orphaned_results", "outcomes", "results", "runs", "sessions", "telemetry_samples", "webhook_outbox"]);
      await db.destroy();
    } finally {
      await schema.drop();
    }
  });

  it("migrates a PostgreSQL schema while another schema of the database already holds Baton's tables", async () => {
    // Kysely once took the other schema's kysely_migration_lock for this one's: "relation does not exist".
    const [first, second] = [await createTestSchema(), await createTestSchema()];
    try {
      const a = await openPostgresStore({ connectionString: first.url, schema: first.schema });
      const b = await openPostgresStore({ connectionString: second.url, schema: second.schema });
      await Promise.all([a.close(), b.close()]);
    } finally {
      await Promise.all([first.drop(), second.drop()]);
    }
  });
});
