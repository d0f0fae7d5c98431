/**
 * Port: the whole durable store, as one object the composition root builds from the
 * configuration (SQLite by default, PostgreSQL with DATABASE_URL, memory in unit tests).
 * Every adapter is run through the one conformance suite, test/conformance/store.cases.ts.
 */
import type { AuditLog } from "./audit.ts";
import type { AvailabilityStore } from "./availability.ts";
import type { BookingStore } from "./bookings.ts";
import type { DeviceRegistry } from "./devices.ts";
import type { DeviceStateStore } from "./deviceStates.ts";
import type { FirmwareUpdateStore } from "./firmwareUpdates.ts";
import type { HistoryStore } from "./history.ts";
import type { ResultStore } from "./results.ts";
import type { WebhookOutbox } from "./outbox.ts";
import type { TransitionWriter } from "./transitions.ts";
import type { TelemetrySampleStore } from "./telemetry.ts";

export interface BatonStore {
  /** "sqlite" | "postgres" | "memory". */
  readonly kind: string;
  /** Where the data lives, for the banner and logs (a file path, or a URL without its password). */
  readonly location: string;
  results: ResultStore;
  deviceStates: DeviceStateStore;
  history: HistoryStore;
  devices: DeviceRegistry;
  audit: AuditLog;
  outbox: WebhookOutbox;
  /** A transition's writes in one transaction, grouped with other devices' (ports/transitions.ts). */
  transitions: TransitionWriter;
  /** Drained / quarantined / maintenance, durable (migration 0004). */
  availability: AvailabilityStore;
  /** The latest firmware update request per device (migration 0007, issue 23). */
  firmwareUpdates: FirmwareUpdateStore;
  /** Telemetry samples a channel asked to keep (issue 24, migration 0007). */
  telemetry: TelemetrySampleStore;
  /** Booked slots of devices, check-ins and no-shows (migration 0007). */
  bookings: BookingStore;
  /** A cheap round trip (readiness checks); throws when the store cannot answer. */
  ping(): Promise<void>;
  /** Deletes history, results, orphans and audit entries older than `cutoff` (ms since epoch); returns rows deleted. */
  purgeOlderThan(cutoff: number): Promise<number>;
  close(): Promise<void>;
}

export * from "./audit.ts";
export * from "./availability.ts";
export * from "./bookings.ts";
export * from "./devices.ts";
export * from "./deviceStates.ts";
export * from "./firmwareUpdates.ts";
export * from "./history.ts";
export * from "./results.ts";
export * from "./outbox.ts";
export * from "./transitions.ts";
export * from "./telemetry.ts";
