/**
 * `WebhookOutbox` (ports/outbox.ts) on Kysely: one queue per (endpoint, device), delivered
 * head first.
 */
import type { NewOutboxMessage, OutboxDelivery, OutboxMessage, OutboxState, WebhookOutbox } from "../../ports/outbox.ts";
import { millis, type Db } from "./schema.ts";

export class SqlOutbox implements WebhookOutbox {
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

  async list(state: OutboxState, limit: number) {
    let query = this.db.selectFrom("webhook_outbox")
      .select(["id", "endpoint", "device_id", "event_type", "attempts", "next_attempt_at", "created_at", "given_up_at", "last_error"]);
    query = state === "pending" ? query.where("delivered_at", "is", null).where("given_up_at", "is", null) : query.where("given_up_at", "is not", null);
    const rows = await query.orderBy("id", "desc").limit(limit).execute();
    return rows.map((row): OutboxDelivery => ({
      id: Number(row.id), endpoint: row.endpoint, deviceId: row.device_id, eventType: row.event_type,
      attempts: Number(row.attempts), nextAttemptAt: millis(row.next_attempt_at), createdAt: millis(row.created_at),
      givenUpAt: row.given_up_at === null ? null : millis(row.given_up_at), lastError: row.last_error,
    }));
  }

  async retry(id: number, now: number) {
    const result = await this.db.updateTable("webhook_outbox").set({ given_up_at: null, next_attempt_at: now })
      .where("id", "=", id).where("given_up_at", "is not", null).where("delivered_at", "is", null).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
