/**
 * Over-the-air updates, the server's decisions (issue 23). Pure: the device room
 * (rooms/device/firmwareUpdates.ts) keeps the record, stores it, sends what these functions
 * say and writes the audit entries they name.
 *
 * One admin request is one attempt, and the rule that keeps it from looping is:
 * - pending, never offered: the offer goes out (the `update` message to a connected device,
 *   else `welcome.update` at its next hello) and `offeredAt` is set;
 * - a `hello` with the target version: **applied** (also when the request had been marked failed
 *   or cancelled meanwhile: the device runs it, whatever the record said);
 * - a `hello` with another version after the offer went out: **failed** — the device came back
 *   on its old image, so the download or the check failed, or the new image did not reach the
 *   server and rolled back. The server cannot tell these apart (the device does not answer the
 *   offer) and does not offer the same request again: an admin asks again (a new request) after
 *   looking at the device. A reconnect during a long download is counted the same way; the
 *   device may still finish and report the new version, which then counts as applied;
 * - an admin's cancel: **cancelled** (a device already downloading may still switch; its hello
 *   then records applied).
 */

export const FirmwareUpdateStatus = {
  PENDING: "pending",
  APPLIED: "applied",
  FAILED: "failed",
  CANCELLED: "cancelled",
} as const;
export type FirmwareUpdateStatusName = (typeof FirmwareUpdateStatus)[keyof typeof FirmwareUpdateStatus];

/** The one update request kept per device (the latest), durable in the store. */
export interface FirmwareUpdateRecord {
  deviceId: string;
  url: string;
  version: string;
  sha256: string;
  status: FirmwareUpdateStatusName;
  /** The admin's user id or `cli:<os user>`. */
  requestedBy: string;
  /** When it was asked for (ms since the Unix epoch); with `deviceId`, the request's identity. */
  requestedAt: number;
  /** The firmware the device last reported when it was asked for ("" = unknown). */
  fromVersion: string;
  /** When the offer last went to the device (0 = not yet). */
  offeredAt: number;
  /** When it was applied, failed or cancelled (0 while pending). */
  finishedAt: number;
  /** Why it failed or was cancelled, or the version the device came back with. */
  detail: string;
}

/** A new request (the HTTP API's and the CLI's): pending, not offered yet. */
export function newRequest(deviceId: string, offer: { url: string; version: string; sha256: string }, by: string, now: number, fromVersion: string): FirmwareUpdateRecord {
  return {
    deviceId, url: offer.url, version: offer.version, sha256: offer.sha256.toLowerCase(), status: FirmwareUpdateStatus.PENDING,
    requestedBy: by, requestedAt: now, fromVersion, offeredAt: 0, finishedAt: 0, detail: "",
  };
}

/** The request withdrawn by `by`; null when it is not pending (nothing to cancel). */
export function cancelled(record: FirmwareUpdateRecord | undefined, by: string, now: number): FirmwareUpdateRecord | null {
  if (!record || record.status !== FirmwareUpdateStatus.PENDING) return null;
  return { ...record, status: FirmwareUpdateStatus.CANCELLED, finishedAt: now, detail: `cancelled by ${by}` };
}

/** What a change of the record means for the audit log. */
export type FirmwareUpdateAudit = "update-applied" | "update-failed";

export interface FirmwareUpdateStep {
  record: FirmwareUpdateRecord;
  audit?: FirmwareUpdateAudit;
}

/** The device said `hello` with `firmware`: applied, failed, or nothing changes (null). */
export function afterHello(record: FirmwareUpdateRecord | undefined, firmware: string, now: number): FirmwareUpdateStep | null {
  if (!record || record.status === FirmwareUpdateStatus.APPLIED) return null;
  if (firmware === record.version) {
    return { record: { ...record, status: FirmwareUpdateStatus.APPLIED, finishedAt: now, detail: "" }, audit: "update-applied" };
  }
  if (record.status === FirmwareUpdateStatus.PENDING && record.offeredAt > 0) {
    const detail = `the device came back with firmware "${firmware}" after the offer of "${record.version}": the download or its check failed, or the new image rolled back`;
    return { record: { ...record, status: FirmwareUpdateStatus.FAILED, finishedAt: now, detail }, audit: "update-failed" };
  }
  return null;
}

/** Whether the offer is to be sent to a device that runs `firmware` (null: its firmware is not known yet). */
export function shouldOffer(record: FirmwareUpdateRecord | undefined, firmware: string | null): record is FirmwareUpdateRecord {
  return record !== undefined && record.status === FirmwareUpdateStatus.PENDING && record.offeredAt === 0 && firmware !== null && firmware !== record.version;
}

/** The record once the offer went out. */
export function offered(record: FirmwareUpdateRecord, now: number): FirmwareUpdateRecord {
  return { ...record, offeredAt: now };
}

/** The offer as the device receives it. */
export function offerOf(record: FirmwareUpdateRecord): { url: string; version: string; sha256: string } {
  return { url: record.url, version: record.version, sha256: record.sha256.toLowerCase() };
}
