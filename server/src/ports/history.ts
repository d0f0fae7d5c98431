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

export interface HistoryStore {
  sessionStarted(record: Omit<SessionHistoryRecord, "endedAt" | "endReason">): Promise<void>;
  sessionEnded(deviceId: string, epoch: number, endedAt: number, endReason: string): Promise<void>;
  runStarted(record: Omit<RunHistoryRecord, "endedAt" | "ok" | "output" | "failureCode" | "failureMessage">): Promise<void>;
  runFinished(deviceId: string, runId: string, outcome: { endedAt: number; ok: boolean; output?: Record<string, unknown>; failureCode?: string; failureMessage?: string }): Promise<void>;
  findRun(deviceId: string, runId: string): Promise<RunHistoryRecord | undefined>;
  /** Newest first. */
  listSessions(deviceId: string, limit: number): Promise<SessionHistoryRecord[]>;
  /** Newest first. */
  listRuns(deviceId: string, limit: number): Promise<RunHistoryRecord[]>;
}
