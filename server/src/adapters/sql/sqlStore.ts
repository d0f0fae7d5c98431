/**
 * The store's ports on one Kysely database. SQLite and PostgreSQL differ only in how the
 * connection is made (adapters/sqlite, adapters/postgres); every query here is written once
 * with Kysely's builder, which speaks both dialects (INSERT … ON CONFLICT and RETURNING
 * exist in both).
 */
import { sql, type Kysely, type Selectable } from "kysely";
import type { SessionTypeSpec } from "@baton/protocol";
import { initialState, MAX_EPOCH, type CoreState } from "../../session/index.ts";
import {
  DeviceExistsError, EpochRegressionError, ORPHAN_LIMITS,
  type AuditEntry, type AuditLog, type AvailabilityRecord, type AvailabilityStore, type BatonStore, type DeliveredResult, type DeviceRegistry, type DeviceStateStore,
  type HistoryStore, type OrphanedResult, type TransitionWriter, type RegisteredDevice, type ResultStore, type RunHistoryRecord, type SessionHistoryRecord, type SessionCursor, type WebhookOutbox, type NewOutboxMessage, type OutboxMessage,
} from "../../ports/store.ts";
import { millis, type Database } from "./schema.ts";

type Db = Kysely<Database>;

const json = (value: unknown) => JSON.stringify(value);
const parse = <T>(text: string): T => JSON.parse(text) as T;

/** True for a unique-constraint violation in either dialect. */
function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string };
  return e?.code === "23505" || e?.code === "SQLITE_CONSTRAINT_UNIQUE" || e?.code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

export class SqlResults implements ResultStore {
  constructor(private readonly db: Db) {}

  async saveDelivered(result: Parameters<ResultStore["saveDelivered"]>[0]) {
    const inserted = await this.db.insertInto("results").values({
      device_id: result.deviceId, run_id: result.runId, epoch: result.epoch, user_id: result.userId,
      session_type: result.sessionType, output: json(result.output), stored_at: result.storedAt, handed_over_at: result.handedOverAt ?? null,
    }).onConflict((conflict) => conflict.columns(["device_id", "run_id"]).doNothing()).executeTakeFirst();
    return { inserted: Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0 };
  }

  async saveOrphan(orphan: Parameters<ResultStore["saveOrphan"]>[0]) {
    const inserted = await this.db.insertInto("orphaned_results").values({
      device_id: orphan.deviceId, run_id: orphan.runId, epoch: orphan.epoch, reason: orphan.reason, output: json(orphan.output), stored_at: orphan.storedAt,
    }).onConflict((conflict) => conflict.columns(["device_id", "run_id"]).doNothing()).executeTakeFirst();
    // The device's newest orphans within ORPHAN_LIMITS stay; the older ones go (sqliteTransitions.ts: the same SQL).
    const pruned = await sql`delete from orphaned_results where seq in (
      select seq from (
        select seq, row_number() over (order by seq desc) as rn, sum(length(output)) over (order by seq desc) as running
        from orphaned_results where device_id = ${orphan.deviceId}
      ) ranked where rn > ${ORPHAN_LIMITS.count} or running > ${ORPHAN_LIMITS.bytes})`.execute(this.db);
    return { inserted: Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0, dropped: Number(pruned.numAffectedRows ?? 0n) };
  }

  async findByRunId(deviceId: string, runId: string) {
    const row = await this.db.selectFrom("results").selectAll().where("device_id", "=", deviceId).where("run_id", "=", runId).executeTakeFirst();
    return row ? toDelivered(row) : undefined;
  }

  async findOrphan(deviceId: string, runId: string): Promise<OrphanedResult | undefined> {
    const row = await this.db.selectFrom("orphaned_results").selectAll().where("device_id", "=", deviceId).where("run_id", "=", runId).executeTakeFirst();
    return row ? { status: "orphaned", deviceId: row.device_id, runId: row.run_id, epoch: millis(row.epoch), reason: row.reason, output: parse(row.output), storedAt: millis(row.stored_at) } : undefined;
  }

  async listForUser(userId: string, page: { limit: number; before?: string }) {
    let query = this.db.selectFrom("results").selectAll().where("user_id", "=", userId);
    const before = page.before === undefined ? NaN : Number(page.before);
    if (Number.isSafeInteger(before)) query = query.where("seq", "<", before);
    const rows = await query.orderBy("seq", "desc").limit(page.limit + 1).execute();
    const more = rows.length > page.limit;
    const shown = rows.slice(0, page.limit);
    return { results: shown.map(toDelivered), ...(more ? { next: String(shown[shown.length - 1].seq) } : {}) };
  }

  async pendingFor(deviceId: string, userId: string) {
    const rows = await this.db.selectFrom("results").selectAll()
      .where("device_id", "=", deviceId).where("user_id", "=", userId).where("handed_over_at", "is", null)
      .orderBy("seq", "asc").limit(100).execute();
    return rows.map(toDelivered);
  }

  async markHandedOver(deviceId: string, runIds: string[], at: number) {
    if (runIds.length === 0) return [];
    const rows = await this.db.updateTable("results").set({ handed_over_at: at })
      .where("device_id", "=", deviceId).where("run_id", "in", runIds).where("handed_over_at", "is", null)
      .returning("run_id").execute();
    return rows.map((row) => row.run_id);
  }
}

function toDelivered(row: Selectable<Database["results"]>): DeliveredResult {
  return {
    status: "delivered", deviceId: row.device_id, runId: row.run_id, epoch: millis(row.epoch), userId: row.user_id,
    sessionType: row.session_type, output: parse(row.output), storedAt: millis(row.stored_at), handedOverAt: millis(row.handed_over_at),
  };
}

export class SqlDeviceStates implements DeviceStateStore {
  constructor(private readonly db: Db) {}

  async load(deviceId: string) {
    const row = await this.db.selectFrom("device_states").select(["state", "epoch"]).where("device_id", "=", deviceId).executeTakeFirst();
    if (!row) return undefined;
    // The epoch column is authoritative (raiseEpoch may have moved it past the JSON's copy).
    return { ...parse<CoreState>(row.state), epoch: millis(row.epoch) };
  }

  async save(state: CoreState) {
    const written = await this.db.insertInto("device_states")
      .values({ device_id: state.deviceId, epoch: state.epoch, state: json(state), updated_at: Date.now() })
      .onConflict((conflict) => conflict.column("device_id")
        .doUpdateSet((eb) => ({ epoch: eb.ref("excluded.epoch"), state: eb.ref("excluded.state"), updated_at: eb.ref("excluded.updated_at") }))
        // The guard that keeps epochs from going down, evaluated by the database itself, so it
        // holds against concurrent writers too.
        .where("device_states.epoch", "<=", (eb) => eb.ref("excluded.epoch")))
      .executeTakeFirst();
    if (Number(written.numInsertedOrUpdatedRows ?? 0n) === 0) {
      const stored = await this.db.selectFrom("device_states").select("epoch").where("device_id", "=", state.deviceId).executeTakeFirst();
      throw new EpochRegressionError(state.deviceId, stored ? millis(stored.epoch) : -1, state.epoch);
    }
  }

  async raiseEpoch(deviceId: string, epoch: number, now: number) {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom("device_states").select(["state", "epoch"]).where("device_id", "=", deviceId).executeTakeFirst();
      const current = row ? { ...parse<CoreState>(row.state), epoch: millis(row.epoch) } : initialState(deviceId, now);
      if (row && current.epoch >= epoch) return current.epoch;
      const raised = { ...current, epoch };
      await trx.insertInto("device_states").values({ device_id: deviceId, epoch, state: json(raised), updated_at: now })
        .onConflict((conflict) => conflict.column("device_id").doUpdateSet({ epoch, state: json(raised), updated_at: now })).execute();
      return epoch;
    });
  }

  async repairEpoch(deviceId: string, epoch: number, now: number) {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom("device_states").select(["state", "epoch"]).where("device_id", "=", deviceId).executeTakeFirst();
      if (!row) return undefined;
      const current = millis(row.epoch);
      if (current <= MAX_EPOCH) return current;
      const repaired = { ...parse<CoreState>(row.state), epoch };
      await trx.updateTable("device_states").set({ epoch, state: json(repaired), updated_at: now })
        .where("device_id", "=", deviceId).where("epoch", ">", MAX_EPOCH).execute();
      return epoch;
    });
  }
}

export class SqlHistory implements HistoryStore {
  constructor(private readonly db: Db) {}

  async sessionStarted(record: Omit<SessionHistoryRecord, "endedAt" | "endReason">) {
    await this.db.insertInto("sessions").values({
      device_id: record.deviceId, epoch: record.epoch, user_id: record.userId, user_name: record.userName, started_at: record.startedAt, ended_at: null, end_reason: null,
    }).onConflict((conflict) => conflict.columns(["device_id", "epoch"]).doNothing()).execute();
  }

  async sessionEnded(deviceId: string, epoch: number, endedAt: number, endReason: string) {
    await this.db.updateTable("sessions").set({ ended_at: endedAt, end_reason: endReason })
      .where("device_id", "=", deviceId).where("epoch", "=", epoch).where("ended_at", "is", null).execute();
  }

  async runStarted(record: Parameters<HistoryStore["runStarted"]>[0]) {
    await this.db.insertInto("runs").values({
      device_id: record.deviceId, run_id: record.runId, epoch: record.epoch, user_id: record.userId, session_type: record.sessionType,
      input: json(record.input), started_at: record.startedAt, ended_at: null, ok: null, output: null, failure_code: null, failure_message: null,
    }).onConflict((conflict) => conflict.columns(["device_id", "run_id"]).doNothing()).execute();
  }

  async runFinished(deviceId: string, runId: string, outcome: Parameters<HistoryStore["runFinished"]>[2]) {
    await this.db.updateTable("runs").set({
      ended_at: outcome.endedAt, ok: outcome.ok ? 1 : 0, output: outcome.output ? json(outcome.output) : null,
      failure_code: outcome.failureCode ?? null, failure_message: outcome.failureMessage ?? null,
    }).where("device_id", "=", deviceId).where("run_id", "=", runId).where("ended_at", "is", null).execute();
  }

  async findRun(deviceId: string, runId: string) {
    const row = await this.db.selectFrom("runs").selectAll().where("device_id", "=", deviceId).where("run_id", "=", runId).executeTakeFirst();
    return row ? toRun(row) : undefined;
  }

  async listSessions(deviceId: string, limit: number, beforeEpoch?: number) {
    let query = this.db.selectFrom("sessions").selectAll().where("device_id", "=", deviceId);
    if (beforeEpoch !== undefined) query = query.where("epoch", "<", beforeEpoch);
    const rows = await query.orderBy("epoch", "desc").limit(limit).execute();
    return rows.map(toSession);
  }

  async findSession(deviceId: string, epoch: number) {
    const row = await this.db.selectFrom("sessions").selectAll().where("device_id", "=", deviceId).where("epoch", "=", epoch).executeTakeFirst();
    return row ? toSession(row) : undefined;
  }

  async listSessionRuns(deviceId: string, epoch: number, limit: number) {
    const rows = await this.db.selectFrom("runs").selectAll().where("device_id", "=", deviceId).where("epoch", "=", epoch)
      .orderBy("started_at", "asc").orderBy("run_id", "asc").limit(limit).execute();
    return rows.map(toRun);
  }

  async listUserSessions(userId: string, limit: number, before?: SessionCursor) {
    let query = this.db.selectFrom("sessions").selectAll().where("user_id", "=", userId);
    // A row-value comparison pages exactly in the sort order; SQLite and PostgreSQL both have it.
    if (before) query = query.where(sql<boolean>`(started_at, device_id, epoch) < (${before.startedAt}, ${before.deviceId}, ${before.epoch})`);
    const rows = await query.orderBy("started_at", "desc").orderBy("device_id", "desc").orderBy("epoch", "desc").limit(limit).execute();
    return rows.map(toSession);
  }

  async listRuns(deviceId: string, limit: number) {
    const rows = await this.db.selectFrom("runs").selectAll().where("device_id", "=", deviceId)
      .orderBy("started_at", "desc").orderBy("run_id", "desc").limit(limit).execute();
    return rows.map(toRun);
  }

  async recentRunDurations(deviceId: string, limit: number) {
    const rows = await this.db.selectFrom("runs").select(["session_type", "started_at", "ended_at"])
      .where("device_id", "=", deviceId).where("ended_at", "is not", null).where("ok", "=", 1)
      .orderBy("ended_at", "desc").limit(limit).execute();
    return rows.map((row) => ({ sessionType: row.session_type, durationMs: millis(row.ended_at!) - millis(row.started_at) }));
  }

  async recentSessionDurations(deviceId: string, limit: number) {
    const rows = await this.db.selectFrom("sessions").select(["started_at", "ended_at"])
      .where("device_id", "=", deviceId).where("ended_at", "is not", null)
      .orderBy("ended_at", "desc").limit(limit).execute();
    return rows.map((row) => millis(row.ended_at!) - millis(row.started_at));
  }
}

class SqlAvailability implements AvailabilityStore {
  constructor(private readonly db: Db) {}

  async set(record: AvailabilityRecord) {
    const row = { device_id: record.deviceId, status: record.status, reason: record.reason, since: record.since, decided_by: record.by };
    await this.db.insertInto("device_availability").values(row)
      .onConflict((conflict) => conflict.column("device_id").doUpdateSet({ status: row.status, reason: row.reason, since: row.since, decided_by: row.decided_by }))
      .execute();
  }

  async find(deviceId: string) {
    const row = await this.db.selectFrom("device_availability").selectAll().where("device_id", "=", deviceId).executeTakeFirst();
    return row ? toAvailability(row) : undefined;
  }

  async list() {
    return (await this.db.selectFrom("device_availability").selectAll().orderBy("device_id").execute()).map(toAvailability);
  }
}

function toAvailability(row: Selectable<Database["device_availability"]>): AvailabilityRecord {
  return { deviceId: row.device_id, status: row.status as AvailabilityRecord["status"], reason: row.reason, since: millis(row.since), by: row.decided_by };
}

function toSession(row: Selectable<Database["sessions"]>): SessionHistoryRecord {
  return {
    deviceId: row.device_id, epoch: millis(row.epoch), userId: row.user_id, userName: row.user_name,
    startedAt: millis(row.started_at), endedAt: millis(row.ended_at), endReason: row.end_reason,
  };
}

function toRun(row: Selectable<Database["runs"]>): RunHistoryRecord {
  return {
    deviceId: row.device_id, runId: row.run_id, epoch: millis(row.epoch), userId: row.user_id, sessionType: row.session_type,
    input: parse(row.input), startedAt: millis(row.started_at), endedAt: millis(row.ended_at),
    ok: row.ok === null ? null : Boolean(row.ok), output: row.output === null ? null : parse(row.output),
    failureCode: row.failure_code, failureMessage: row.failure_message,
  };
}

class SqlDevices implements DeviceRegistry {
  constructor(private readonly db: Db) {}

  async find(deviceId: string) {
    const row = await this.db.selectFrom("devices").selectAll().where("device_id", "=", deviceId).executeTakeFirst();
    return row ? toDevice(row) : undefined;
  }

  async list() {
    return (await this.db.selectFrom("devices").selectAll().orderBy("device_id").execute()).map(toDevice);
  }

  async add(device: Parameters<DeviceRegistry["add"]>[0]) {
    try {
      await this.db.insertInto("devices").values({
        device_id: device.deviceId, label: device.label, kind: device.kind, secret_hash: device.secretHash, created_at: device.createdAt, disabled_at: null, session_types: "[]", pool: device.pool ?? "",
      }).execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw new DeviceExistsError(device.deviceId);
      throw error;
    }
  }

  async disable(deviceId: string, at: number) {
    const updated = await this.db.updateTable("devices").set({ disabled_at: at }).where("device_id", "=", deviceId).executeTakeFirst();
    return Number(updated.numUpdatedRows) > 0;
  }

  async setPool(deviceId: string, pool: string) {
    const updated = await this.db.updateTable("devices").set({ pool }).where("device_id", "=", deviceId).executeTakeFirst();
    return Number(updated.numUpdatedRows) > 0;
  }

  async setSecretHash(deviceId: string, secretHash: string) {
    const updated = await this.db.updateTable("devices").set({ secret_hash: secretHash }).where("device_id", "=", deviceId).executeTakeFirst();
    return Number(updated.numUpdatedRows) > 0;
  }

  async upsertFromImport(device: Parameters<DeviceRegistry["upsertFromImport"]>[0]) {
    const existing = await this.find(device.deviceId);
    if (!existing) {
      try {
        await this.add(device);
        return "added" as const;
      } catch (error) {
        if (!(error instanceof DeviceExistsError)) throw error; // another process imported it first
      }
    }
    if (existing && existing.label === device.label && existing.secretHash === device.secretHash) return "unchanged" as const;
    await this.db.updateTable("devices").set({ label: device.label, secret_hash: device.secretHash }).where("device_id", "=", device.deviceId).execute();
    return "updated" as const;
  }

  async recordSessionTypes(deviceId: string, sessionTypes: SessionTypeSpec[]) {
    await this.db.updateTable("devices").set({ session_types: json(sessionTypes) }).where("device_id", "=", deviceId).execute();
  }
}

function toDevice(row: Selectable<Database["devices"]>): RegisteredDevice {
  return {
    deviceId: row.device_id, label: row.label, kind: row.kind, secretHash: row.secret_hash,
    createdAt: millis(row.created_at), disabledAt: millis(row.disabled_at), sessionTypes: parse(row.session_types), pool: row.pool ?? "",
  };
}

export class SqlAudit implements AuditLog {
  constructor(private readonly db: Db) {}

  async record(entry: AuditEntry) {
    await this.db.insertInto("audit").values({ at: entry.at, actor: entry.actor, action: entry.action, device_id: entry.deviceId, detail: json(entry.detail) }).execute();
  }

  async list(query: { deviceId?: string; limit: number }) {
    let select = this.db.selectFrom("audit").selectAll();
    if (query.deviceId !== undefined) select = select.where("device_id", "=", query.deviceId);
    const rows = await select.orderBy("seq", "desc").limit(query.limit).execute();
    return rows.map((row): AuditEntry => ({ at: millis(row.at), actor: row.actor, action: row.action as AuditEntry["action"], deviceId: row.device_id, detail: parse(row.detail) }));
  }
}

class SqlOutbox implements WebhookOutbox {
  constructor(private readonly db: Db) {}

  async enqueue(messages: NewOutboxMessage[]) {
    if (messages.length === 0) return;
    await this.db.insertInto("webhook_outbox").values(messages.map((message) => ({
      endpoint: message.endpoint, device_id: message.deviceId, event_type: message.eventType, body: message.body,
      attempts: 0, next_attempt_at: message.createdAt, created_at: message.createdAt, delivered_at: null, given_up_at: null, last_error: null,
    }))).execute();
  }

  async due(now: number, limit: number) {
    // The head of each (endpoint, device) queue, if its attempt is due.
    const rows = await this.db.selectFrom("webhook_outbox as o").selectAll()
      .where("o.delivered_at", "is", null).where("o.given_up_at", "is", null).where("o.next_attempt_at", "<=", now)
      .where((eb) => eb("o.id", "=", eb.selectFrom("webhook_outbox as i").select((inner) => inner.fn.min("i.id").as("head"))
        .whereRef("i.endpoint", "=", "o.endpoint").whereRef("i.device_id", "=", "o.device_id")
        .where("i.delivered_at", "is", null).where("i.given_up_at", "is", null)))
      .orderBy("o.id").limit(limit).execute();
    return rows.map((row): OutboxMessage => ({
      id: Number(row.id), endpoint: row.endpoint, deviceId: row.device_id, eventType: row.event_type, body: row.body,
      attempts: Number(row.attempts), nextAttemptAt: millis(row.next_attempt_at), createdAt: millis(row.created_at),
    }));
  }

  async claim(id: number, expectedNextAttemptAt: number, leaseUntil: number) {
    const result = await this.db.updateTable("webhook_outbox").set({ next_attempt_at: leaseUntil })
      .where("id", "=", id).where("next_attempt_at", "=", expectedNextAttemptAt).where("delivered_at", "is", null).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async delivered(id: number, at: number) {
    await this.db.updateTable("webhook_outbox").set((eb) => ({ delivered_at: at, attempts: eb("attempts", "+", 1), last_error: null })).where("id", "=", id).execute();
  }

  async failed(id: number, nextAttemptAt: number | null, error: string, at: number) {
    await this.db.updateTable("webhook_outbox").set((eb) => ({
      attempts: eb("attempts", "+", 1), last_error: error.slice(0, 500),
      ...(nextAttemptAt === null ? { given_up_at: at } : { next_attempt_at: nextAttemptAt }),
    })).where("id", "=", id).execute();
  }

  async pendingCount() {
    const row = await this.db.selectFrom("webhook_outbox").select((eb) => eb.fn.countAll().as("count"))
      .where("delivered_at", "is", null).where("given_up_at", "is", null).executeTakeFirst();
    return Number(row?.count ?? 0);
  }
}

/** Builds the store's ports over a migrated database. */
export function createSqlStore(db: Db, identity: { kind: string; location: string }, close: () => Promise<void>, transitions: TransitionWriter): BatonStore {
  return {
    ...identity,
    transitions,
    results: new SqlResults(db),
    deviceStates: new SqlDeviceStates(db),
    history: new SqlHistory(db),
    devices: new SqlDevices(db),
    audit: new SqlAudit(db),
    outbox: new SqlOutbox(db),
    availability: new SqlAvailability(db),
    ping: () => ping(db),
    async purgeOlderThan(cutoff: number) {
      return db.transaction().execute(async (trx) => {
        const counts = await Promise.all([
          trx.deleteFrom("results").where("stored_at", "<", cutoff).executeTakeFirst(),
          trx.deleteFrom("orphaned_results").where("stored_at", "<", cutoff).executeTakeFirst(),
          trx.deleteFrom("runs").where("ended_at", "is not", null).where("ended_at", "<", cutoff).executeTakeFirst(),
          trx.deleteFrom("sessions").where("ended_at", "is not", null).where("ended_at", "<", cutoff).executeTakeFirst(),
          trx.deleteFrom("audit").where("at", "<", cutoff).executeTakeFirst(),
          trx.deleteFrom("webhook_outbox").where((eb) => eb.or([eb("delivered_at", "<", cutoff), eb("given_up_at", "<", cutoff)])).executeTakeFirst(),
        ]);
        return counts.reduce((sum, result) => sum + Number(result.numDeletedRows), 0);
      });
    },
    close,
  };
}

/** A cheap round trip, for health checks. */
export async function ping(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
