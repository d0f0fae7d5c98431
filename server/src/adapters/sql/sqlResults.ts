/**
 * `ResultStore` (ports/results.ts) on Kysely: delivered results inserted once, orphans kept
 * apart and pruned to the device's newest within ORPHAN_LIMITS.
 */
import { sql, type Selectable } from "kysely";
import { ORPHAN_LIMITS, type DeliveredResult, type OrphanedResult, type ResultStore, type StoredOutcome } from "../../ports/results.ts";
import { json, millis, parse, type Database, type Db } from "./schema.ts";

export class SqlResults implements ResultStore {
  constructor(private readonly db: Db) {}

  async saveDelivered(result: Parameters<ResultStore["saveDelivered"]>[0]) {
    const inserted = await this.db.insertInto("results").values({
      device_id: result.deviceId, run_id: result.runId, epoch: result.epoch, user_id: result.userId,
      session_type: result.sessionType, output: json(result.output), stored_at: result.storedAt, handed_over_at: result.handedOverAt ?? null,
      late_reason: result.lateReason ?? null,
    }).onConflict((conflict) => conflict.columns(["device_id", "run_id"]).doNothing()).executeTakeFirst();
    return { inserted: Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0 };
  }

  async saveOrphan(orphan: Parameters<ResultStore["saveOrphan"]>[0]) {
    const inserted = await this.db.insertInto("orphaned_results").values({
      device_id: orphan.deviceId, run_id: orphan.runId, epoch: orphan.epoch, reason: orphan.reason, output: json(orphan.output), stored_at: orphan.storedAt,
    }).onConflict((conflict) => conflict.columns(["device_id", "run_id"]).doNothing()).executeTakeFirst();
    // The device's newest orphans within ORPHAN_LIMITS stay; the older ones go (adapters/sqlite/sqliteResults.ts: the same SQL).
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

  async saveOutcome(outcome: Parameters<ResultStore["saveOutcome"]>[0]) {
    const inserted = await this.db.insertInto("outcomes").values({
      device_id: outcome.deviceId, user_id: outcome.userId, outcome_id: outcome.outcomeId, kind: outcome.kind, epoch: outcome.epoch,
      message: json(outcome.message), stored_at: outcome.storedAt, handed_over_at: null,
    }).onConflict((conflict) => conflict.columns(["device_id", "outcome_id"]).doNothing()).executeTakeFirst();
    return { inserted: Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0 };
  }

  async pendingOutcomesFor(deviceId: string, userId: string) {
    const rows = await this.db.selectFrom("outcomes").selectAll()
      .where("device_id", "=", deviceId).where("user_id", "=", userId).where("handed_over_at", "is", null)
      .orderBy("seq", "asc").limit(100).execute();
    return rows.map(toOutcome);
  }

  async markOutcomesHandedOver(deviceId: string, userId: string, outcomeIds: string[], at: number) {
    if (outcomeIds.length === 0) return [];
    const rows = await this.db.updateTable("outcomes").set({ handed_over_at: at })
      .where("device_id", "=", deviceId).where("user_id", "=", userId).where("outcome_id", "in", outcomeIds).where("handed_over_at", "is", null)
      .returning("outcome_id").execute();
    return rows.map((row) => row.outcome_id);
  }

  async listOutcomesForUser(userId: string, page: { limit: number; before?: string }) {
    let query = this.db.selectFrom("outcomes").selectAll().where("user_id", "=", userId);
    const before = page.before === undefined ? NaN : Number(page.before);
    if (Number.isSafeInteger(before)) query = query.where("seq", "<", before);
    const rows = await query.orderBy("seq", "desc").limit(page.limit + 1).execute();
    const more = rows.length > page.limit;
    const shown = rows.slice(0, page.limit);
    return { outcomes: shown.map(toOutcome), ...(more ? { next: String(shown[shown.length - 1].seq) } : {}) };
  }
}

function toOutcome(row: Selectable<Database["outcomes"]>): StoredOutcome {
  return {
    deviceId: row.device_id, userId: row.user_id, outcomeId: row.outcome_id, kind: row.kind as StoredOutcome["kind"], epoch: millis(row.epoch),
    message: parse(row.message), storedAt: millis(row.stored_at), handedOverAt: millis(row.handed_over_at),
  };
}

function toDelivered(row: Selectable<Database["results"]>): DeliveredResult {
  return {
    status: "delivered", deviceId: row.device_id, runId: row.run_id, epoch: millis(row.epoch), userId: row.user_id,
    sessionType: row.session_type, output: parse(row.output), storedAt: millis(row.stored_at), handedOverAt: millis(row.handed_over_at),
    ...(row.late_reason ? { lateReason: row.late_reason } : {}),
  };
}
