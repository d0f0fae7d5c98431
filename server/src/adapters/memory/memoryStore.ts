/**
 * In-memory adapter — for unit tests only (it forgets everything when the process ends).
 * It implements exactly the semantics of the SQL adapters and runs through the same
 * conformance suite: insert-once results, orphans kept apart, epochs that never decrease.
 */
import type { SessionTypeSpec } from "@baton/protocol";
import { initialState, MAX_EPOCH, type CoreState } from "../../session/index.ts";
import {
  DeviceExistsError, EpochRegressionError, ORPHAN_LIMITS,
  type AuditEntry, type AvailabilityRecord, type BatonStore, type OutboxMessage, type DeliveredResult, type OrphanedResult, type RegisteredDevice, type RunHistoryRecord, type SessionHistoryRecord,
} from "../../ports/store.ts";

import { writeHistoryRecord } from "../../ports/transitions.ts";

const key = (deviceId: string, id: string | number) => `${deviceId}\u0000${id}`;
/** Deep copies, so callers can never mutate what is "stored" (as with a real database). */
const copy = <T>(value: T): T => structuredClone(value);

export function createMemoryStore(): BatonStore {
  let seq = 0;
  const delivered = new Map<string, DeliveredResult & { seq: number }>();
  const orphans = new Map<string, OrphanedResult>();
  const states = new Map<string, CoreState>();
  const sessions = new Map<string, SessionHistoryRecord>();
  const runs = new Map<string, RunHistoryRecord>();
  const devices = new Map<string, RegisteredDevice>();
  const availability = new Map<string, AvailabilityRecord>();
  let audit: (AuditEntry & { seq: number })[] = [];
  type StoredOutbox = OutboxMessage & { deliveredAt: number | null; givenUpAt: number | null; lastError: string | null };
  let outbox: StoredOutbox[] = [];
  let outboxSeq = 0;
  const open = (message: StoredOutbox) => message.deliveredAt === null && message.givenUpAt === null;

  const strip = ({ seq: _seq, ...result }: DeliveredResult & { seq: number }): DeliveredResult => copy(result);

  const store: BatonStore = {
    kind: "memory",
    location: "in memory (tests only)",
    results: {
      async saveDelivered(result) {
        const id = key(result.deviceId, result.runId);
        if (delivered.has(id)) return { inserted: false };
        delivered.set(id, { ...copy(result), status: "delivered", handedOverAt: result.handedOverAt ?? null, seq: ++seq });
        return { inserted: true };
      },
      async saveOrphan(orphan) {
        const id = key(orphan.deviceId, orphan.runId);
        if (orphans.has(id)) return { inserted: false, dropped: 0 };
        orphans.set(id, { ...copy(orphan), status: "orphaned" });
        // The device's newest orphans within ORPHAN_LIMITS stay (a Map keeps insertion order).
        const mine = [...orphans].filter(([, kept]) => kept.deviceId === orphan.deviceId).reverse();
        let bytes = 0;
        let dropped = 0;
        mine.forEach(([keptId, kept], index) => {
          bytes += JSON.stringify(kept.output).length;
          if (index >= ORPHAN_LIMITS.count || bytes > ORPHAN_LIMITS.bytes) {
            orphans.delete(keptId);
            dropped++;
          }
        });
        return { inserted: true, dropped };
      },
      async findByRunId(deviceId, runId) {
        const found = delivered.get(key(deviceId, runId));
        return found ? strip(found) : undefined;
      },
      async findOrphan(deviceId, runId) {
        const found = orphans.get(key(deviceId, runId));
        return found ? copy(found) : undefined;
      },
      async listForUser(userId, page) {
        const before = page.before === undefined ? Infinity : Number(page.before);
        const mine = [...delivered.values()].filter((r) => r.userId === userId && r.seq < before).sort((a, b) => b.seq - a.seq);
        const shown = mine.slice(0, page.limit);
        return { results: shown.map(strip), ...(mine.length > page.limit ? { next: String(shown[shown.length - 1].seq) } : {}) };
      },
      async pendingFor(deviceId, userId) {
        return [...delivered.values()].filter((r) => r.deviceId === deviceId && r.userId === userId && r.handedOverAt === null)
          .sort((a, b) => a.seq - b.seq).slice(0, 100).map(strip);
      },
      async markHandedOver(deviceId, runIds, at) {
        const marked: string[] = [];
        for (const runId of runIds) {
          const found = delivered.get(key(deviceId, runId));
          if (found && found.handedOverAt === null) {
            found.handedOverAt = at;
            marked.push(runId);
          }
        }
        return marked;
      },
    },
    deviceStates: {
      async load(deviceId) {
        const found = states.get(deviceId);
        return found ? copy(found) : undefined;
      },
      async save(state) {
        const stored = states.get(state.deviceId);
        if (stored && stored.epoch > state.epoch) throw new EpochRegressionError(state.deviceId, stored.epoch, state.epoch);
        states.set(state.deviceId, copy(state));
      },
      async raiseEpoch(deviceId, epoch, now) {
        const stored = states.get(deviceId);
        if (stored && stored.epoch >= epoch) return stored.epoch;
        states.set(deviceId, { ...(stored ?? initialState(deviceId, now)), epoch });
        return epoch;
      },
      async repairEpoch(deviceId, epoch) {
        const stored = states.get(deviceId);
        if (!stored) return undefined;
        if (stored.epoch <= MAX_EPOCH) return stored.epoch;
        states.set(deviceId, { ...stored, epoch });
        return epoch;
      },
    },
    history: {
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
    },
    availability: {
      async set(record) {
        availability.set(record.deviceId, copy(record));
      },
      async find(deviceId) {
        const found = availability.get(deviceId);
        return found ? copy(found) : undefined;
      },
      async list() {
        return [...availability.values()].sort((a, b) => (a.deviceId < b.deviceId ? -1 : 1)).map(copy);
      },
    },
    devices: {
      async find(deviceId) {
        const found = devices.get(deviceId);
        return found ? copy(found) : undefined;
      },
      async list() {
        return [...devices.values()].sort((a, b) => (a.deviceId < b.deviceId ? -1 : 1)).map(copy);
      },
      async add(device) {
        if (devices.has(device.deviceId)) throw new DeviceExistsError(device.deviceId);
        devices.set(device.deviceId, { ...copy(device), pool: device.pool ?? "", disabledAt: null, sessionTypes: [] });
      },
      async setPool(deviceId, pool) {
        const found = devices.get(deviceId);
        if (found) found.pool = pool;
        return Boolean(found);
      },
      async disable(deviceId, at) {
        const found = devices.get(deviceId);
        if (found) found.disabledAt = at;
        return Boolean(found);
      },
      async setSecretHash(deviceId, secretHash) {
        const found = devices.get(deviceId);
        if (found) found.secretHash = secretHash;
        return Boolean(found);
      },
      async upsertFromImport(device) {
        const found = devices.get(device.deviceId);
        if (!found) {
          devices.set(device.deviceId, { ...copy(device), pool: "", disabledAt: null, sessionTypes: [] });
          return "added";
        }
        if (found.label === device.label && found.secretHash === device.secretHash) return "unchanged";
        Object.assign(found, { label: device.label, secretHash: device.secretHash });
        return "updated";
      },
      async recordSessionTypes(deviceId: string, sessionTypes: SessionTypeSpec[]) {
        const found = devices.get(deviceId);
        if (found) found.sessionTypes = copy(sessionTypes);
      },
    },
    audit: {
      async record(entry) {
        // Stored as JSON, as the SQL adapters do (a detail that is not JSON is refused).
        audit.push({ ...copy(entry), detail: JSON.parse(JSON.stringify(entry.detail)), seq: ++seq });
      },
      async list(query) {
        return audit.filter((entry) => query.deviceId === undefined || entry.deviceId === query.deviceId)
          .sort((a, b) => b.seq - a.seq).slice(0, query.limit).map(({ seq: _seq, ...entry }) => copy(entry));
      },
    },
    async purgeOlderThan(cutoff) {
      let removed = 0;
      const sweep = <T>(map: Map<string, T>, old: (value: T) => boolean) => {
        for (const [id, value] of map) if (old(value)) { map.delete(id); removed++; }
      };
      sweep(delivered, (r) => r.storedAt < cutoff);
      sweep(orphans, (r) => r.storedAt < cutoff);
      sweep(runs, (r) => r.endedAt !== null && r.endedAt < cutoff);
      sweep(sessions, (s) => s.endedAt !== null && s.endedAt < cutoff);
      const kept = audit.filter((entry) => entry.at >= cutoff);
      removed += audit.length - kept.length;
      audit = kept;
      const keptOutbox = outbox.filter((message) => !((message.deliveredAt !== null && message.deliveredAt < cutoff) || (message.givenUpAt !== null && message.givenUpAt < cutoff)));
      removed += outbox.length - keptOutbox.length;
      outbox = keptOutbox;
      return removed;
    },
    outbox: {
      async enqueue(messages) {
        for (const message of messages) outbox.push({ ...copy(message), id: ++outboxSeq, attempts: 0, nextAttemptAt: message.createdAt, deliveredAt: null, givenUpAt: null, lastError: null });
      },
      async due(now, limit) {
        const heads = new Map<string, StoredOutbox>();
        for (const message of outbox) {
          const queue = key(message.endpoint, message.deviceId);
          if (open(message) && !heads.has(queue)) heads.set(queue, message);
        }
        return [...heads.values()].filter((message) => message.nextAttemptAt <= now).sort((a, b) => a.id - b.id).slice(0, limit)
          .map(({ deliveredAt: _d, givenUpAt: _g, lastError: _e, ...message }) => copy(message));
      },
      async claim(id, expectedNextAttemptAt, leaseUntil) {
        const found = outbox.find((message) => message.id === id);
        if (!found || found.deliveredAt !== null || found.nextAttemptAt !== expectedNextAttemptAt) return false;
        found.nextAttemptAt = leaseUntil;
        return true;
      },
      async delivered(id, at) {
        const found = outbox.find((message) => message.id === id);
        if (found) Object.assign(found, { deliveredAt: at, attempts: found.attempts + 1, lastError: null });
      },
      async failed(id, nextAttemptAt, error, at) {
        const found = outbox.find((message) => message.id === id);
        if (!found) return;
        Object.assign(found, { attempts: found.attempts + 1, lastError: error.slice(0, 500) }, nextAttemptAt === null ? { givenUpAt: at } : { nextAttemptAt });
      },
      async pendingCount() {
        return outbox.filter(open).length;
      },
    },
    async ping() {},
    async close() {},
    transitions: {
      // Not grouped (nothing to fsync); the same all-or-none rule for the required parts.
      async commit(write) {
        if (write.state) {
          const stored = states.get(write.state.deviceId);
          if (stored && stored.epoch > write.state.epoch) throw new EpochRegressionError(write.state.deviceId, stored.epoch, write.state.epoch);
        }
        if (write.state) await store.deviceStates.save(write.state);
        const delivered = [];
        for (const result of write.delivered ?? []) delivered.push(await store.results.saveDelivered(result));
        const orphaned = [];
        for (const orphan of write.orphans ?? []) orphaned.push(await store.results.saveOrphan(orphan));
        const recordErrors: unknown[] = [];
        for (const record of write.history ?? []) await writeHistoryRecord(store.history, record).catch((error) => recordErrors.push(error));
        for (const entry of write.audit ?? []) await store.audit.record(entry).catch((error) => recordErrors.push(error));
        return { delivered, orphans: orphaned, recordErrors };
      },
    },
  };
  return store;
}
