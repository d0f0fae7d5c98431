/**
 * Port: what happened, for people: every session (holder, epoch, times, end reason) and
 * every run (type, inputs, outputs, timings, failure). Written by the room as effects are
 * carried out; read by the HTTP routes and, later, the queue's ETA estimate.
 */

export interface SessionHistoryRecord {
  deviceId: string;
  epoch: number;
  userId: string;
  userName: string;
  startedAt: number;
  endedAt: number | null;
  endReason: string | null;
}

export interface RunHistoryRecord {
  deviceId: string;
  runId: string;
  epoch: number;
  userId: string;
  sessionType: string;
  input: Record<string, unknown>;
  startedAt: number;
  endedAt: number | null;
  ok: boolean | null;
  output: Record<string, unknown> | null;
  failureCode: string | null;
  failureMessage: string | null;
}

/** Position in a user's newest-first session list: (startedAt, deviceId, epoch) of the last row seen. */
export interface SessionCursor {
  startedAt: number;
  deviceId: string;
  epoch: number;
}

export interface HistoryStore {
  sessionStarted(record: Omit<SessionHistoryRecord, "endedAt" | "endReason">): Promise<void>;
  sessionEnded(deviceId: string, epoch: number, endedAt: number, endReason: string): Promise<void>;
  runStarted(record: Omit<RunHistoryRecord, "endedAt" | "ok" | "output" | "failureCode" | "failureMessage">): Promise<void>;
  runFinished(deviceId: string, runId: string, outcome: { endedAt: number; ok: boolean; output?: Record<string, unknown>; failureCode?: string; failureMessage?: string }): Promise<void>;
  /**
   * A late result (its run had already ended, e.g. RUN_TIMEOUT): the run keeps how it ended
   * and gets the output the device sent after all, if it has none yet.
   */
  runLateOutput(deviceId: string, runId: string, output: Record<string, unknown>): Promise<void>;
  findRun(deviceId: string, runId: string): Promise<RunHistoryRecord | undefined>;
  /** Newest (highest epoch) first; with `beforeEpoch`, only sessions of lower epochs (the next page). */
  listSessions(deviceId: string, limit: number, beforeEpoch?: number): Promise<SessionHistoryRecord[]>;
  findSession(deviceId: string, epoch: number): Promise<SessionHistoryRecord | undefined>;
  /** The runs of one session, oldest first, at most `limit`. */
  listSessionRuns(deviceId: string, epoch: number, limit: number): Promise<RunHistoryRecord[]>;
  /** One user's sessions on every device, newest first; `before` is the last row of the previous page. */
  listUserSessions(userId: string, limit: number, before?: SessionCursor): Promise<SessionHistoryRecord[]>;
  /** Newest first. */
  listRuns(deviceId: string, limit: number): Promise<RunHistoryRecord[]>;
  /** Durations of the device's most recent *successful* runs, newest first (the queue's ETA: session/eta.ts). */
  recentRunDurations(deviceId: string, limit: number): Promise<{ sessionType: string; durationMs: number }[]>;
  /** Durations of the device's most recent ended sessions, newest first. */
  recentSessionDurations(deviceId: string, limit: number): Promise<number[]>;
}
