/**
 * `HistoryStore` (ports/history.ts) in process memory: sessions and runs, each written once
 * when it starts and once when it ends, listed in the SQL adapter's orders.
 */
import type { HistoryStore, RunHistoryRecord, SessionHistoryRecord } from "../../ports/history.ts";
import { copy, key, sweep, type Purgeable } from "./memoryRows.ts";

export function createMemoryHistory(): HistoryStore & Purgeable {
  const sessions = new Map<string, SessionHistoryRecord>();
  const runs = new Map<string, RunHistoryRecord>();
  return {
    async sessionStarted(record) {
      const id = key(record.deviceId, record.epoch);
      if (!sessions.has(id)) sessions.set(id, { ...copy(record), endedAt: null, endReason: null });
    },
    async sessionEnded(deviceId, epoch, endedAt, endReason) {
      const found = sessions.get(key(deviceId, epoch));
      if (found && found.endedAt === null) Object.assign(found, { endedAt, endReason });
    },
    async runStarted(record) {
      const id = key(record.deviceId, record.runId);
      if (!runs.has(id)) runs.set(id, { ...copy(record), endedAt: null, ok: null, output: null, failureCode: null, failureMessage: null });
    },
    async runFinished(deviceId, runId, outcome) {
      const found = runs.get(key(deviceId, runId));
      if (!found || found.endedAt !== null) return;
      Object.assign(found, { endedAt: outcome.endedAt, ok: outcome.ok, output: outcome.output ? copy(outcome.output) : null, failureCode: outcome.failureCode ?? null, failureMessage: outcome.failureMessage ?? null });
    },
    async runLateOutput(deviceId, runId, output) {
      const found = runs.get(key(deviceId, runId));
      if (found && found.output === null) found.output = copy(output);
    },
    async findRun(deviceId, runId) {
      const found = runs.get(key(deviceId, runId));
      return found ? copy(found) : undefined;
    },
    async listSessions(deviceId, limit, beforeEpoch) {
      return [...sessions.values()].filter((s) => s.deviceId === deviceId && (beforeEpoch === undefined || s.epoch < beforeEpoch))
        .sort((a, b) => b.epoch - a.epoch).slice(0, limit).map(copy);
    },
    async findSession(deviceId, epoch) {
      const found = sessions.get(key(deviceId, epoch));
      return found ? copy(found) : undefined;
    },
    async listSessionRuns(deviceId, epoch, limit) {
      return [...runs.values()].filter((r) => r.deviceId === deviceId && r.epoch === epoch)
        .sort((a, b) => a.startedAt - b.startedAt || (a.runId < b.runId ? -1 : 1)).slice(0, limit).map(copy);
    },
    async listUserSessions(userId, limit, before) {
      // Newest first by (startedAt, deviceId, epoch), the order the SQL adapter pages in.
      const order = (a: SessionHistoryRecord, b: SessionHistoryRecord) => b.startedAt - a.startedAt || (a.deviceId < b.deviceId ? 1 : a.deviceId > b.deviceId ? -1 : 0) || b.epoch - a.epoch;
      return [...sessions.values()].filter((s) => s.userId === userId && (!before || order(s, { ...s, ...before }) > 0))
        .sort(order).slice(0, limit).map(copy);
    },
    async listRuns(deviceId, limit) {
      return [...runs.values()].filter((r) => r.deviceId === deviceId)
        .sort((a, b) => b.startedAt - a.startedAt || (a.runId < b.runId ? 1 : -1)).slice(0, limit).map(copy);
    },
    async recentRunDurations(deviceId, limit) {
      return [...runs.values()].filter((r) => r.deviceId === deviceId && r.endedAt !== null && r.ok === true)
        .sort((a, b) => b.endedAt! - a.endedAt!).slice(0, limit).map((r) => ({ sessionType: r.sessionType, durationMs: r.endedAt! - r.startedAt }));
    },
    async recentSessionDurations(deviceId, limit) {
      return [...sessions.values()].filter((s) => s.deviceId === deviceId && s.endedAt !== null)
        .sort((a, b) => b.endedAt! - a.endedAt!).slice(0, limit).map((s) => s.endedAt! - s.startedAt);
    },
    purgeOlderThan(cutoff) {
      return sweep(runs, (r) => r.endedAt !== null && r.endedAt < cutoff) + sweep(sessions, (s) => s.endedAt !== null && s.endedAt < cutoff);
    },
  };
}
