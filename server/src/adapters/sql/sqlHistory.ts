/**
 * `HistoryStore` (ports/history.ts) on Kysely: sessions and runs, each written once when it
 * starts and once when it ends.
 */
import { sql, type Selectable } from "kysely";
import type { HistoryStore, RunHistoryRecord, SessionCursor, SessionHistoryRecord } from "../../ports/history.ts";
import { json, millis, parse, type Database, type Db } from "./schema.ts";

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

  async runLateOutput(deviceId: string, runId: string, output: Record<string, unknown>) {
    await this.db.updateTable("runs").set({ output: json(output) })
      .where("device_id", "=", deviceId).where("run_id", "=", runId).where("output", "is", null).execute();
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
