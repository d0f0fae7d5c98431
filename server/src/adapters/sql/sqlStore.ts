/**
 * The store's ports on one Kysely database, one file per port (sqlResults.ts, sqlHistory.ts,
 * … mirroring ports/). SQLite and PostgreSQL differ only in how the connection is made
 * (adapters/sqlite, adapters/postgres) and in how a transition is written; every query is
 * written once with Kysely's builder, which speaks both dialects (INSERT … ON CONFLICT and
 * RETURNING exist in both).
 */
import { sql } from "kysely";
import type { BatonStore, TransitionWriter } from "../../ports/store.ts";
import type { Db } from "./schema.ts";
import { SqlAudit } from "./sqlAudit.ts";
import { SqlAvailability } from "./sqlAvailability.ts";
import { SqlBookings } from "./sqlBookings.ts";
import { SqlDevices } from "./sqlDevices.ts";
import { SqlFirmwareUpdates } from "./sqlFirmwareUpdates.ts";
import { SqlDeviceStates } from "./sqlDeviceStates.ts";
import { SqlHistory } from "./sqlHistory.ts";
import { SqlOutbox } from "./sqlOutbox.ts";
import { SqlResults } from "./sqlResults.ts";
import { SqlTelemetry } from "./sqlTelemetry.ts";

/** Builds the store's ports over a migrated database. */
export function createSqlStore(db: Db, identity: { kind: string; location: string }, close: () => Promise<void>, transitions: TransitionWriter): BatonStore {
  return {
    ...identity,
    transitions,
    results: new SqlResults(db),
    deviceStates: new SqlDeviceStates(db),
    history: new SqlHistory(db),
    devices: new SqlDevices(db),
    audit: new SqlAudit(db),
    outbox: new SqlOutbox(db),
    availability: new SqlAvailability(db),
    firmwareUpdates: new SqlFirmwareUpdates(db),
    telemetry: new SqlTelemetry(db),
    bookings: new SqlBookings(db, identity.kind === "postgres" ? "postgres" : "sqlite"),
    ping: () => ping(db),
    async purgeOlderThan(cutoff: number) {
      return db.transaction().execute(async (trx) => {
        const counts = await Promise.all([
          trx.deleteFrom("results").where("stored_at", "<", cutoff).executeTakeFirst(),
          trx.deleteFrom("orphaned_results").where("stored_at", "<", cutoff).executeTakeFirst(),
          trx.deleteFrom("outcomes").where("stored_at", "<", cutoff).executeTakeFirst(),
          trx.deleteFrom("runs").where("ended_at", "is not", null).where("ended_at", "<", cutoff).executeTakeFirst(),
          trx.deleteFrom("sessions").where("ended_at", "is not", null).where("ended_at", "<", cutoff).executeTakeFirst(),
          trx.deleteFrom("audit").where("at", "<", cutoff).executeTakeFirst(),
          trx.deleteFrom("telemetry_samples").where("at", "<", cutoff).executeTakeFirst(),
          trx.deleteFrom("bookings").where("end_at", "<", cutoff).executeTakeFirst(),
          trx.deleteFrom("webhook_outbox").where((eb) => eb.or([eb("delivered_at", "<", cutoff), eb("given_up_at", "<", cutoff)])).executeTakeFirst(),
        ]);
        return counts.reduce((sum, result) => sum + Number(result.numDeletedRows), 0);
      });
    },
    close,
  };
}

/** A cheap round trip, for health checks. */
export async function ping(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
