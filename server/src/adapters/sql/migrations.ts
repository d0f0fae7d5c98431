/**
 * The one set of migrations, for SQLite and PostgreSQL alike, versioned by name and run at
 * start-up (Kysely's Migrator records what ran in `kysely_migration`, and takes a lock so
 * two processes starting together do not both migrate). Append new migrations; never edit
 * one that has shipped.
 */
import { sql, type Kysely } from "kysely";
import { Migrator, type Migration, type MigrationProvider } from "kysely/migration";

export type SqlDialectName = "sqlite" | "postgres";

function migrations(dialect: SqlDialectName): Record<string, Migration> {
  /** An auto-incrementing primary key: the only column type the two dialects spell differently. */
  const sequence = dialect === "postgres" ? "bigserial" : "integer";
  return {
    "0001_initial": {
      async up(db: Kysely<any>) {
        await db.schema.createTable("devices")
          .addColumn("device_id", "text", (col) => col.primaryKey())
          .addColumn("label", "text", (col) => col.notNull().defaultTo(""))
          .addColumn("kind", "text", (col) => col.notNull().defaultTo(""))
          .addColumn("secret_hash", "text", (col) => col.notNull())
          .addColumn("created_at", "bigint", (col) => col.notNull())
          .addColumn("disabled_at", "bigint")
          .addColumn("session_types", "text", (col) => col.notNull().defaultTo("[]"))
          .execute();

        await db.schema.createTable("device_states")
          .addColumn("device_id", "text", (col) => col.primaryKey())
          .addColumn("epoch", "bigint", (col) => col.notNull())
          .addColumn("state", "text", (col) => col.notNull())
          .addColumn("updated_at", "bigint", (col) => col.notNull())
          .execute();

        await db.schema.createTable("results")
          .addColumn("seq", sequence, (col) => (dialect === "sqlite" ? col.primaryKey().autoIncrement() : col.primaryKey()))
          .addColumn("device_id", "text", (col) => col.notNull())
          .addColumn("run_id", "text", (col) => col.notNull())
          .addColumn("epoch", "bigint", (col) => col.notNull())
          .addColumn("user_id", "text", (col) => col.notNull())
          .addColumn("session_type", "text", (col) => col.notNull())
          .addColumn("output", "text", (col) => col.notNull())
          .addColumn("stored_at", "bigint", (col) => col.notNull())
          .addColumn("handed_over_at", "bigint")
          .addUniqueConstraint("results_device_run", ["device_id", "run_id"])
          .execute();
        await db.schema.createIndex("results_user").on("results").columns(["user_id", "seq"]).execute();
        await db.schema.createIndex("results_pending").on("results").columns(["device_id", "user_id", "handed_over_at"]).execute();
        await db.schema.createIndex("results_stored_at").on("results").column("stored_at").execute();

        await db.schema.createTable("orphaned_results")
          .addColumn("seq", sequence, (col) => (dialect === "sqlite" ? col.primaryKey().autoIncrement() : col.primaryKey()))
          .addColumn("device_id", "text", (col) => col.notNull())
          .addColumn("run_id", "text", (col) => col.notNull())
          .addColumn("epoch", "bigint", (col) => col.notNull())
          .addColumn("reason", "text", (col) => col.notNull())
          .addColumn("output", "text", (col) => col.notNull())
          .addColumn("stored_at", "bigint", (col) => col.notNull())
          .addUniqueConstraint("orphaned_results_device_run", ["device_id", "run_id"])
          .execute();
        await db.schema.createIndex("orphaned_results_stored_at").on("orphaned_results").column("stored_at").execute();

        await db.schema.createTable("sessions")
          .addColumn("device_id", "text", (col) => col.notNull())
          .addColumn("epoch", "bigint", (col) => col.notNull())
          .addColumn("user_id", "text", (col) => col.notNull())
          .addColumn("user_name", "text", (col) => col.notNull())
          .addColumn("started_at", "bigint", (col) => col.notNull())
          .addColumn("ended_at", "bigint")
          .addColumn("end_reason", "text")
          .addPrimaryKeyConstraint("sessions_pk", ["device_id", "epoch"])
          .execute();
        await db.schema.createIndex("sessions_started_at").on("sessions").column("started_at").execute();

        await db.schema.createTable("runs")
          .addColumn("device_id", "text", (col) => col.notNull())
          .addColumn("run_id", "text", (col) => col.notNull())
          .addColumn("epoch", "bigint", (col) => col.notNull())
          .addColumn("user_id", "text", (col) => col.notNull())
          .addColumn("session_type", "text", (col) => col.notNull())
          .addColumn("input", "text", (col) => col.notNull())
          .addColumn("started_at", "bigint", (col) => col.notNull())
          .addColumn("ended_at", "bigint")
          .addColumn("ok", "integer")
          .addColumn("output", "text")
          .addColumn("failure_code", "text")
          .addColumn("failure_message", "text")
          .addPrimaryKeyConstraint("runs_pk", ["device_id", "run_id"])
          .execute();
        await db.schema.createIndex("runs_started_at").on("runs").columns(["device_id", "started_at"]).execute();

        await db.schema.createTable("audit")
          .addColumn("seq", sequence, (col) => (dialect === "sqlite" ? col.primaryKey().autoIncrement() : col.primaryKey()))
          .addColumn("at", "bigint", (col) => col.notNull())
          .addColumn("actor", "text", (col) => col.notNull())
          .addColumn("action", "text", (col) => col.notNull())
          .addColumn("device_id", "text", (col) => col.notNull())
          .addColumn("detail", "text", (col) => col.notNull())
          .execute();
        await db.schema.createIndex("audit_device").on("audit").columns(["device_id", "seq"]).execute();
        await db.schema.createIndex("audit_at").on("audit").column("at").execute();
      },
    },
    // The HTTP API's history pages: a user's sessions, and the runs of one session.
    "0002_history_lookups": {
      async up(db: Kysely<any>) {
        await db.schema.createIndex("sessions_user").on("sessions").columns(["user_id", "started_at"]).execute();
        await db.schema.createIndex("runs_session").on("runs").columns(["device_id", "epoch"]).execute();
      },
    },
    // Webhook notifications waiting for delivery (ports/outbox.ts).
    "0003_webhook_outbox": {
      async up(db: Kysely<any>) {
        await db.schema.createTable("webhook_outbox")
          .addColumn("id", sequence, (col) => (dialect === "sqlite" ? col.primaryKey().autoIncrement() : col.primaryKey()))
          .addColumn("endpoint", "text", (col) => col.notNull())
          .addColumn("device_id", "text", (col) => col.notNull())
          .addColumn("event_type", "text", (col) => col.notNull())
          .addColumn("body", "text", (col) => col.notNull())
          .addColumn("attempts", "integer", (col) => col.notNull().defaultTo(0))
          .addColumn("next_attempt_at", "bigint", (col) => col.notNull())
          .addColumn("created_at", "bigint", (col) => col.notNull())
          .addColumn("delivered_at", "bigint")
          .addColumn("given_up_at", "bigint")
          .addColumn("last_error", "text")
          .execute();
        await db.schema.createIndex("webhook_outbox_queue").on("webhook_outbox").columns(["endpoint", "device_id", "id"]).execute();
      },
    },
    // Drained / quarantined / maintenance, durable and listable without a room (ports/availability.ts);
    // and the lookups of the queue's ETA: recent finished runs and sessions of one device.
    "0004_device_availability": {
      async up(db: Kysely<any>) {
        await db.schema.createTable("device_availability")
          .addColumn("device_id", "text", (col) => col.primaryKey())
          .addColumn("status", "text", (col) => col.notNull())
          .addColumn("reason", "text", (col) => col.notNull().defaultTo(""))
          .addColumn("since", "bigint", (col) => col.notNull())
          .addColumn("decided_by", "text", (col) => col.notNull().defaultTo(""))
          .execute();
        await db.schema.createIndex("runs_ended").on("runs").columns(["device_id", "ended_at"]).execute();
        await db.schema.createIndex("sessions_ended").on("sessions").columns(["device_id", "ended_at"]).execute();
      },
    },
    // Pools: devices of one kind form a pool unless an operator names another (ports/devices.ts `poolOf`).
    "0005_device_pools": {
      async up(db: Kysely<any>) {
        await db.schema.alterTable("devices").addColumn("pool", "text", (col) => col.notNull().defaultTo("")).execute();
      },
    },
    // Late results (issue 21 item 3): a result whose run had ended is still its owner's, marked why.
    // Stored outcomes (item 4): failures and session ends kept for their owner until acknowledged.
    "0006_late_results_and_outcomes": {
      async up(db: Kysely<any>) {
        await db.schema.alterTable("results").addColumn("late_reason", "text").execute();
        await db.schema.createTable("outcomes")
          .addColumn("seq", sequence, (col) => (dialect === "sqlite" ? col.primaryKey().autoIncrement() : col.primaryKey()))
          .addColumn("device_id", "text", (col) => col.notNull())
          .addColumn("user_id", "text", (col) => col.notNull())
          .addColumn("outcome_id", "text", (col) => col.notNull())
          .addColumn("kind", "text", (col) => col.notNull())
          .addColumn("epoch", "bigint", (col) => col.notNull())
          .addColumn("message", "text", (col) => col.notNull())
          .addColumn("stored_at", "bigint", (col) => col.notNull())
          .addColumn("handed_over_at", "bigint")
          .addUniqueConstraint("outcomes_device_outcome", ["device_id", "outcome_id"])
          .execute();
        await db.schema.createIndex("outcomes_user").on("outcomes").columns(["user_id", "seq"]).execute();
        await db.schema.createIndex("outcomes_pending").on("outcomes").columns(["device_id", "user_id", "handed_over_at"]).execute();
      },
    },
    // Over-the-air updates (issue 23): the latest request per device and where it stands, so an
    // offer made while the device is offline reaches it later, across restarts.
    "0007_firmware_updates": {
      async up(db: Kysely<any>) {
        await db.schema.createTable("firmware_updates")
          .addColumn("device_id", "text", (col) => col.primaryKey())
          .addColumn("url", "text", (col) => col.notNull())
          .addColumn("version", "text", (col) => col.notNull())
          .addColumn("sha256", "text", (col) => col.notNull())
          .addColumn("status", "text", (col) => col.notNull())
          .addColumn("requested_by", "text", (col) => col.notNull())
          .addColumn("requested_at", "bigint", (col) => col.notNull())
          .addColumn("from_version", "text", (col) => col.notNull().defaultTo(""))
          .addColumn("offered_at", "bigint", (col) => col.notNull().defaultTo(0))
          .addColumn("finished_at", "bigint", (col) => col.notNull().defaultTo(0))
          .addColumn("detail", "text", (col) => col.notNull().defaultTo(""))
          .execute();
      },
    },
    // Live telemetry (issue 24): the samples a channel asked to keep, downsampled by the room.
    "0008_telemetry_samples": {
      async up(db: Kysely<any>) {
        await db.schema.createTable("telemetry_samples")
          .addColumn("seq", sequence, (col) => (dialect === "sqlite" ? col.primaryKey().autoIncrement() : col.primaryKey()))
          .addColumn("device_id", "text", (col) => col.notNull())
          .addColumn("channel", "text", (col) => col.notNull())
          .addColumn("at", "bigint", (col) => col.notNull())
          .addColumn("value_kind", "text", (col) => col.notNull())
          .addColumn("value_number", "double precision")
          .addColumn("value_text", "text")
          .execute();
        await db.schema.createIndex("telemetry_samples_channel").on("telemetry_samples").columns(["device_id", "channel", "at"]).execute();
        await db.schema.createIndex("telemetry_samples_at").on("telemetry_samples").column("at").execute();
      },
    },
    // Bookings (issue 24 part 3): booked slots of devices, check-ins and no-shows (ports/bookings.ts).
    "0009_bookings": {
      async up(db: Kysely<any>) {
        await db.schema.createTable("bookings")
          .addColumn("booking_id", "text", (col) => col.primaryKey())
          .addColumn("device_id", "text", (col) => col.notNull())
          .addColumn("kind", "text", (col) => col.notNull())
          .addColumn("user_id", "text", (col) => col.notNull())
          .addColumn("user_name", "text", (col) => col.notNull())
          .addColumn("start_at", "bigint", (col) => col.notNull())
          .addColumn("end_at", "bigint", (col) => col.notNull())
          .addColumn("status", "text", (col) => col.notNull())
          .addColumn("created_at", "bigint", (col) => col.notNull())
          .addColumn("updated_at", "bigint", (col) => col.notNull())
          .execute();
        await db.schema.createIndex("bookings_device_start").on("bookings").columns(["device_id", "start_at"]).execute();
        await db.schema.createIndex("bookings_user_kind_start").on("bookings").columns(["user_id", "kind", "start_at"]).execute();
      },
    },
  };
}

/** The names of every migration, in order (tests check an empty database ends at the last one). */
export const MIGRATION_NAMES = Object.keys(migrations("sqlite"));

class InCodeMigrations implements MigrationProvider {
  constructor(private readonly dialect: SqlDialectName) {}
  async getMigrations() {
    return migrations(this.dialect);
  }
}

/**
 * PostgreSQL: name the schema Kysely's own tables live in (the connection's current one).
 * Without it Kysely takes a `kysely_migration_lock` in *any* schema of the database as its
 * own, so a store opening while another schema already has one (two Baton databases in
 * schemas side by side, as the tests run them) failed with "relation does not exist".
 */
async function migrationTableSchema(db: Kysely<any>, dialect: SqlDialectName): Promise<{ migrationTableSchema?: string }> {
  if (dialect !== "postgres") return {};
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  return rows[0]?.schema ? { migrationTableSchema: rows[0].schema } : {};
}

/** Brings the database up to the latest migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<any>, dialect: SqlDialectName): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new InCodeMigrations(dialect), ...(await migrationTableSchema(db, dialect)) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((result) => result.status === "Error");
  if (error) {
    throw new Error(`database migration ${failed?.migrationName ?? ""} failed: ${(error as Error).message ?? String(error)}`, { cause: error });
  }
  return (results ?? []).filter((result) => result.status === "Success").map((result) => result.migrationName);
}

/** Names of the migrations already applied, oldest first. */
export async function appliedMigrations(db: Kysely<any>, dialect: SqlDialectName): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new InCodeMigrations(dialect), ...(await migrationTableSchema(db, dialect)) });
  return (await migrator.getMigrations()).filter((migration) => migration.executedAt).map((migration) => migration.name);
}
