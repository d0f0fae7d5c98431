/**
 * The tables, as Kysely sees them. Times are milliseconds since the Unix epoch in BIGINT
 * columns (PostgreSQL hands BIGINT back as a string, so readers go through `Number`); JSON
 * is stored as text so one schema fits both dialects.
 */
import type { Generated, Kysely } from "kysely";

type Millis = number | string | bigint;

export interface DevicesTable {
  device_id: string;
  label: string;
  kind: string;
  secret_hash: string;
  created_at: Millis;
  disabled_at: Millis | null;
  session_types: string;
  /** Migration 0005: an explicit pool name ("" = the kind is the pool). */
  pool: Generated<string>;
}

export interface DeviceStatesTable {
  device_id: string;
  epoch: Millis;
  state: string;
  updated_at: Millis;
}

export interface ResultsTable {
  seq: Generated<number>;
  device_id: string;
  run_id: string;
  epoch: Millis;
  user_id: string;
  session_type: string;
  output: string;
  stored_at: Millis;
  handed_over_at: Millis | null;
  /** Migration 0006: why a result arrived after its run had ended (null: on time). */
  late_reason: string | null;
}

export interface OrphanedResultsTable {
  seq: Generated<number>;
  device_id: string;
  run_id: string;
  epoch: Millis;
  reason: string;
  output: string;
  stored_at: Millis;
}

export interface SessionsTable {
  device_id: string;
  epoch: Millis;
  user_id: string;
  user_name: string;
  started_at: Millis;
  ended_at: Millis | null;
  end_reason: string | null;
}

export interface RunsTable {
  device_id: string;
  run_id: string;
  epoch: Millis;
  user_id: string;
  session_type: string;
  input: string;
  started_at: Millis;
  ended_at: Millis | null;
  /** 1 / 0 / null (not finished): an integer, since SQLite has no boolean. */
  ok: number | null;
  output: string | null;
  failure_code: string | null;
  failure_message: string | null;
}

export interface AuditTable {
  seq: Generated<number>;
  at: Millis;
  actor: string;
  action: string;
  device_id: string;
  detail: string;
}

export interface WebhookOutboxTable {
  id: Generated<number>;
  endpoint: string;
  device_id: string;
  event_type: string;
  body: string;
  attempts: number;
  next_attempt_at: Millis;
  created_at: Millis;
  delivered_at: Millis | null;
  given_up_at: Millis | null;
  last_error: string | null;
}

export interface DeviceAvailabilityTable {
  device_id: string;
  status: string;
  reason: string;
  since: Millis;
  decided_by: string;
}

/** Migration 0006: failures and session ends kept for their owner until acknowledged (ports/results.ts `StoredOutcome`). */
export interface OutcomesTable {
  seq: Generated<number>;
  device_id: string;
  user_id: string;
  outcome_id: string;
  kind: string;
  epoch: Millis;
  message: string;
  stored_at: Millis;
  handed_over_at: Millis | null;
}

/** Migration 0007: the latest firmware update request per device (ports/firmwareUpdates.ts). */
export interface FirmwareUpdatesTable {
  device_id: string;
  url: string;
  version: string;
  sha256: string;
  status: string;
  requested_by: string;
  requested_at: Millis;
  from_version: string;
  offered_at: Millis;
  finished_at: Millis;
  detail: string;
}

/** Migration 0008: telemetry samples a channel asked to keep (ports/telemetry.ts). */
export interface TelemetrySamplesTable {
  seq: Generated<number>;
  device_id: string;
  channel: string;
  at: Millis;
  /** "number" / "boolean" / "string". */
  value_kind: string;
  value_number: number | null;
  value_text: string | null;
}

/** Migration 0009: booked slots of devices (ports/bookings.ts). */
export interface BookingsTable {
  booking_id: string;
  device_id: string;
  kind: string;
  user_id: string;
  user_name: string;
  start_at: Millis;
  end_at: Millis;
  status: string;
  created_at: Millis;
  updated_at: Millis;
}

export interface Database {
  devices: DevicesTable;
  device_states: DeviceStatesTable;
  results: ResultsTable;
  orphaned_results: OrphanedResultsTable;
  outcomes: OutcomesTable;
  sessions: SessionsTable;
  runs: RunsTable;
  audit: AuditTable;
  webhook_outbox: WebhookOutboxTable;
  device_availability: DeviceAvailabilityTable;
  firmware_updates: FirmwareUpdatesTable;
  telemetry_samples: TelemetrySamplesTable;
  bookings: BookingsTable;
}

/** BIGINT → number (PostgreSQL returns strings); null stays null. */
export function millis(value: Millis): number;
export function millis(value: Millis | null): number | null;
export function millis(value: Millis | null): number | null {
  return value === null ? null : Number(value);
}

/** The database the SQL adapters query (SQLite or PostgreSQL, through Kysely). */
export type Db = Kysely<Database>;

/** A JSON column's text. */
export const json = (value: unknown) => JSON.stringify(value);
/** A JSON column's value. */
export const parse = <T>(text: string): T => JSON.parse(text) as T;
