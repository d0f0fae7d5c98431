/**
 * Port: whether each device is in rotation — drained, quarantined, in maintenance, or
 * available — with who decided it, why and since when. Durable, and readable without the
 * device's room: the HTTP API and the CLI list it, and an operator can drain a device
 * through the store (`npm run baton -- device drain`) while no server runs; the device's
 * room applies the stored decision when it is created (rooms/device/availabilitySync.ts).
 *
 * The device's room writes here whenever its core changes the availability (an admin's
 * route, or the core's own health and readiness rules), so the row and the room agree.
 */
import type { DeviceAvailabilityName } from "@baton/protocol";

export interface AvailabilityRecord {
  deviceId: string;
  status: DeviceAvailabilityName;
  reason: string;
  /** When the status began (ms since the Unix epoch). */
  since: number;
  /** An admin's user id, `cli:<os user>`, or "health" / "readiness" when the server decided. */
  by: string;
}

export interface AvailabilityStore {
  /** Inserts or replaces the device's record. */
  set(record: AvailabilityRecord): Promise<void>;
  find(deviceId: string): Promise<AvailabilityRecord | undefined>;
  /** Every device with a record, sorted by id (devices without one are available). */
  list(): Promise<AvailabilityRecord[]>;
}
