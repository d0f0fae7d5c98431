/**
 * Port: everything one transition of a device's session writes, committed together — the
 * device's state, the results it stores, and the history and audit records that go with
 * it — in one transaction, and with the transitions of other devices in the same turn of
 * the event loop in that same transaction (group commit: one fsync for all of them).
 *
 * The room waits for `commit` before it sends anything that depends on the write (the
 * device's command, the owner's result, the device's `ack`), so the promises hold as with
 * separate writes: a device never sees an epoch the store could forget, and an acknowledged
 * result is committed.
 *
 * Atomicity: the *required* parts of one write (state, delivered results, orphans) are
 * stored all or none. The records (history, audit) are for people: each is best effort in
 * the same transaction — one that fails is reported in `recordErrors` and never fails the
 * write or holds up the session. The writes of other devices grouped into the same
 * transaction are independent: one refused write (an epoch regression) leaves the others
 * committed.
 */
import type { CoreState } from "../session/index.ts";
import type { AuditEntry } from "./audit.ts";
import type { HistoryStore } from "./history.ts";
import type { NewDeliveredResult, NewOrphanedResult, NewStoredOutcome } from "./results.ts";

/** One history record, as data (the calls of `HistoryStore`). */
export type HistoryRecord =
  | { kind: "sessionStarted"; record: Parameters<HistoryStore["sessionStarted"]>[0] }
  | { kind: "sessionEnded"; deviceId: string; epoch: number; endedAt: number; endReason: string }
  | { kind: "runStarted"; record: Parameters<HistoryStore["runStarted"]>[0] }
  | { kind: "runFinished"; deviceId: string; runId: string; outcome: Parameters<HistoryStore["runFinished"]>[2] }
  | { kind: "runLateOutput"; deviceId: string; runId: string; output: Record<string, unknown> };

export interface TransitionWrite {
  /** The device's core state; refused (EpochRegressionError, nothing of this write stored) when the stored epoch is higher. */
  state?: CoreState;
  /** Insert-once by (deviceId, runId), as `ResultStore.saveDelivered`. */
  delivered?: NewDeliveredResult[];
  /** Insert-once by (deviceId, runId), as `ResultStore.saveOrphan`. */
  orphans?: NewOrphanedResult[];
  /** Insert-once by (deviceId, outcomeId), as `ResultStore.saveOutcome`: failures and session ends for their owner. */
  outcomes?: NewStoredOutcome[];
  /** Best effort, in the same transaction. */
  history?: HistoryRecord[];
  /** Best effort, in the same transaction. */
  audit?: AuditEntry[];
}

export interface TransitionOutcome {
  /** Per entry of `delivered`, in order: false when that run id was stored before. */
  delivered: { inserted: boolean }[];
  /** Per entry of `orphans`, in order. */
  orphans: { inserted: boolean; dropped: number }[];
  /** Records that could not be written (the rest of the write is committed). */
  recordErrors: unknown[];
}

export interface TransitionWriter {
  /**
   * Commits the write (see the file comment) and resolves once it is durable at the store's
   * configured level; rejects with EpochRegressionError when the state is refused, or with
   * the store's error when the transaction failed (then nothing of it is stored).
   */
  commit(write: TransitionWrite): Promise<TransitionOutcome>;
}

/** True when the write has nothing to store. */
export function isEmptyWrite(write: TransitionWrite): boolean {
  return !write.state && !write.delivered?.length && !write.orphans?.length && !write.outcomes?.length && !write.history?.length && !write.audit?.length;
}

/** Writes one history record through the `HistoryStore` port (adapters without a faster way). */
export function writeHistoryRecord(history: HistoryStore, record: HistoryRecord): Promise<void> {
  switch (record.kind) {
    case "sessionStarted": return history.sessionStarted(record.record);
    case "sessionEnded": return history.sessionEnded(record.deviceId, record.epoch, record.endedAt, record.endReason);
    case "runStarted": return history.runStarted(record.record);
    case "runFinished": return history.runFinished(record.deviceId, record.runId, record.outcome);
    case "runLateOutput": return history.runLateOutput(record.deviceId, record.runId, record.output);
  }
}
