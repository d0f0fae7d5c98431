/**
 * The reports a device holds until the room acknowledges them (docs/PROTOCOL.md §7.3), as
 * pure functions over an oldest-first list — the rules the C firmware's held-report slots
 * follow too (baton_session_reports.c).
 *
 * Why bounded: a device's memory (and the firmware's NVS) is finite. The room settles
 * re-sent reports before it starts anything new, so more than one held report only happens
 * across reconnects while the room is slow to acknowledge; MAX_HELD_REPORTS of them are kept
 * and, past that, the oldest is given up (it has been re-sent after every join since).
 */
import { DeviceToRoom, ErrorCode } from "@baton/protocol";

/**
 * Reports held at once. Mirrored by BATON_MAX_HELD_REPORTS in the firmware's baton_config.h
 * (test/contract/deviceLimits.test.ts checks they agree).
 */
export const MAX_HELD_REPORTS = 4;

export interface HeldReport {
  report: "result" | "failed";
  runId: string;
  epoch: number;
  /** The payload as sent (and re-sent unchanged). */
  payload: Record<string, unknown>;
  /** Sent on the current connection and not yet answered. */
  inFlight: boolean;
}

/** Holds a report: a report for the same run replaces the older one; past the bound the oldest is dropped. */
export function holdReport(held: readonly HeldReport[], report: HeldReport): HeldReport[] {
  const next = [...held.filter((other) => other.runId !== report.runId), report];
  return next.length > MAX_HELD_REPORTS ? next.slice(next.length - MAX_HELD_REPORTS) : next;
}

export function forgetHeld(held: readonly HeldReport[], runId: string): HeldReport[] {
  return held.filter((report) => report.runId !== runId);
}

/** Only these refusals are final: re-sending a report the room refused so would go on for ever. */
const FINAL_REFUSALS: ReadonlySet<string> = new Set([ErrorCode.STALE_EPOCH, ErrorCode.UNKNOWN_RUN]);

/** True if `error {code, request}` refuses a report for good. */
export function refusesReportForGood(code: string, request: string): boolean {
  return FINAL_REFUSALS.has(code) && (request === DeviceToRoom.RESULT || request === DeviceToRoom.FAILED);
}

/**
 * The room answered `error` about a request. If it is a final refusal of a report, returns the
 * run id of the report it refuses: the oldest sent on this connection and not yet answered
 * (the room answers a connection's frames in order). Otherwise undefined: the report stays.
 */
export function isFinalRefusal(held: readonly HeldReport[], code: string, request: string): string | undefined {
  return refusesReportForGood(code, request) ? held.find((report) => report.inFlight)?.runId : undefined;
}
