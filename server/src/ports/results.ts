/**
 * Port: where finished results live. The room stores a result here before it acknowledges
 * the device, so an acknowledged result is on disk; an owner who was offline gets it when
 * they rejoin (once) and can always fetch it over HTTP.
 *
 * Two collections, never mixed: delivered results (credited to the holder of their epoch)
 * and orphans (a stale epoch or an unknown run). Both are insert-once by (deviceId, runId):
 * a copy re-sent after a lost ack, a restart, or by a confused device never replaces what
 * is stored — above all, an orphan can never overwrite or evict a delivered result.
 */

export interface DeliveredResult {
  status: "delivered";
  deviceId: string;
  runId: string;
  epoch: number;
  userId: string;
  sessionType: string;
  output: Record<string, unknown>;
  storedAt: number;
  /** When the result was handed to a connection of its owner; null while still pending. */
  handedOverAt: number | null;
  /**
   * Present when the result is *late*: its run had already ended when it arrived (how it
   * ended, e.g. RUN_TIMEOUT or CANCELLED, or STALE_EPOCH / UNKNOWN_RUN when not recorded).
   * Still its owner's: the user who held the epoch it carries.
   */
  lateReason?: string;
}

export interface OrphanedResult {
  status: "orphaned";
  deviceId: string;
  runId: string;
  epoch: number;
  /** Why it could not be credited: STALE_EPOCH or UNKNOWN_RUN. */
  reason: string;
  output: Record<string, unknown>;
  storedAt: number;
}

export type NewDeliveredResult = Omit<DeliveredResult, "status" | "handedOverAt"> & { handedOverAt?: number | null };

/**
 * An outcome other than a result that its owner must learn even if they were away when it
 * happened (issue 21 item 4): a failed run (`run_failed`) or the end of their session by
 * something else than their own release (`session_ended`: a timeout, a kick, the device
 * lost). Stored like a result, insert-once by (deviceId, outcomeId), and handed to the owner
 * at every join until their client acknowledges it with `result_ack` naming `outcomeId`.
 */
export interface StoredOutcome {
  deviceId: string;
  userId: string;
  /** The run id of a failure; `session-<epoch>` for a session's end (its message's `ackId`). */
  outcomeId: string;
  kind: "run_failed" | "session_ended";
  epoch: number;
  /** The message as sent to the owner (its payload). */
  message: Record<string, unknown>;
  storedAt: number;
  handedOverAt: number | null;
}

export type NewStoredOutcome = Omit<StoredOutcome, "handedOverAt">;

export interface OutcomePage {
  outcomes: StoredOutcome[];
  next?: PageCursor;
}
export type NewOrphanedResult = Omit<OrphanedResult, "status">;

/** Opaque position in a newest-first listing; pass it back as `before` for the next page. */
export type PageCursor = string;

export interface ResultPage {
  results: DeliveredResult[];
  /** Present when older results remain. */
  next?: PageCursor;
}

/**
 * How many orphaned results are kept per device (issue 18 finding 8): results for runs a
 * device was never given are evidence, not data anyone waits for, and a device could send
 * them without end. The newest are kept; each save drops the oldest beyond either bound
 * (and reports how many, for `baton_orphans_dropped_total`). Bytes are the JSON of `output`.
 */
export const ORPHAN_LIMITS = { count: 100, bytes: 1_048_576 } as const;

export interface ResultStore {
  /** Inserts once by (deviceId, runId); `inserted` is false when a delivered result with that run id already existed. */
  saveDelivered(result: NewDeliveredResult): Promise<{ inserted: boolean }>;
  /**
   * Inserts once by (deviceId, runId) into the orphans, apart from delivered results, then
   * drops the device's oldest orphans beyond ORPHAN_LIMITS; `dropped` is how many.
   */
  saveOrphan(orphan: NewOrphanedResult): Promise<{ inserted: boolean; dropped: number }>;
  findByRunId(deviceId: string, runId: string): Promise<DeliveredResult | undefined>;
  findOrphan(deviceId: string, runId: string): Promise<OrphanedResult | undefined>;
  /** The user's delivered results, newest first. */
  listForUser(userId: string, page: { limit: number; before?: PageCursor }): Promise<ResultPage>;
  /** The user's results from this device not yet handed over, oldest first. */
  pendingFor(deviceId: string, userId: string): Promise<DeliveredResult[]>;
  /**
   * Marks results as handed over; returns the run ids this call marked (not those already
   * marked), so that of two concurrent callers only one hands a result over.
   */
  markHandedOver(deviceId: string, runIds: string[], at: number): Promise<string[]>;
  /** Inserts once by (deviceId, outcomeId); `inserted` false when it was stored before. */
  saveOutcome(outcome: NewStoredOutcome): Promise<{ inserted: boolean }>;
  /** The user's outcomes from this device not yet acknowledged, oldest first. */
  pendingOutcomesFor(deviceId: string, userId: string): Promise<StoredOutcome[]>;
  /** Marks the user's own outcomes as handed over; returns the ids this call marked. */
  markOutcomesHandedOver(deviceId: string, userId: string, outcomeIds: string[], at: number): Promise<string[]>;
  /** The user's stored outcomes (failures and session ends), newest first. */
  listOutcomesForUser(userId: string, page: { limit: number; before?: PageCursor }): Promise<OutcomePage>;
}
