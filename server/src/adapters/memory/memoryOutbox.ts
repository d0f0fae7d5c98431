/**
 * `WebhookOutbox` (ports/outbox.ts) in process memory: one queue per (endpoint, device),
 * delivered head first.
 */
import type { OutboxMessage, WebhookOutbox } from "../../ports/outbox.ts";
import { copy, key, type Purgeable } from "./memoryRows.ts";

type StoredOutbox = OutboxMessage & { deliveredAt: number | null; givenUpAt: number | null; lastError: string | null };
const open = (message: StoredOutbox) => message.deliveredAt === null && message.givenUpAt === null;

export function createMemoryOutbox(): WebhookOutbox & Purgeable {
  let outbox: StoredOutbox[] = [];
  let outboxSeq = 0;
  return {
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
    async list(state, limit) {
      return outbox.filter((message) => (state === "pending" ? open(message) : message.givenUpAt !== null)).sort((a, b) => b.id - a.id).slice(0, limit)
        .map(({ body: _b, deliveredAt: _d, ...message }) => copy(message));
    },
    async retry(id, now) {
      const found = outbox.find((message) => message.id === id);
      if (!found || found.givenUpAt === null || found.deliveredAt !== null) return false;
      Object.assign(found, { givenUpAt: null, nextAttemptAt: now });
      return true;
    },
    purgeOlderThan(cutoff) {
      const keptOutbox = outbox.filter((message) => !((message.deliveredAt !== null && message.deliveredAt < cutoff) || (message.givenUpAt !== null && message.givenUpAt < cutoff)));
      const removed = outbox.length - keptOutbox.length;
      outbox = keptOutbox;
      return removed;
    },
  };
}
