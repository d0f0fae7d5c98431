/**
 * Port: the firmware update asked for each device (issue 23) — the latest request per device,
 * with where it stands (pending, applied, failed, cancelled). Durable, so an offer made while
 * the device was offline reaches it at its next connection, after a restart too. The HTTP API
 * and the CLI write a new request; the device's room moves it on (offered, applied, failed)
 * as session/firmwareUpdate.ts decides.
 */
import type { FirmwareUpdateRecord } from "../session/firmwareUpdate.ts";

export { FirmwareUpdateStatus, type FirmwareUpdateRecord, type FirmwareUpdateStatusName } from "../session/firmwareUpdate.ts";

export interface FirmwareUpdateStore {
  /** A new request: inserts or replaces the device's record. */
  request(record: FirmwareUpdateRecord): Promise<void>;
  /**
   * The same request moved on (status, offeredAt, finishedAt, detail): written only while the
   * stored record is still this request (same `requestedAt`). False when a newer request
   * replaced it, which is then left alone.
   */
  update(record: FirmwareUpdateRecord): Promise<boolean>;
  find(deviceId: string): Promise<FirmwareUpdateRecord | undefined>;
  /** Every device with a record, sorted by id. */
  list(): Promise<FirmwareUpdateRecord[]>;
}
