/**
 * Delivers webhook notifications from the store's outbox (ports/outbox.ts):
 * - lifecycle events become notifications (notifications.ts) and are appended to the outbox,
 *   one row per subscribed endpoint, off the room's path — a slow store or a dead endpoint
 *   never holds a room up, and nothing waits in memory;
 * - every `pollMs` (and at once after an enqueue) the due head of each (endpoint, device)
 *   queue is claimed and POSTed, signed (signature.ts), with a timeout; 2xx is delivered,
 *   anything else is retried after `retryBaseMs` × 2^attempts (at most an hour), and given up
 *   after `maxAttempts` so the device's later notifications can go;
 * - a device's notifications reach an endpoint in the order they happened, retries included.
 */
import type { LifecycleEvents } from "../events/lifecycle.ts";
import type { Logger } from "../observability/logger.ts";
import type { NewOutboxMessage, OutboxMessage, WebhookOutbox } from "../ports/outbox.ts";
import { notificationsFor, type WebhookEventName } from "./notifications.ts";
import { DELIVERY_HEADER, SIGNATURE_HEADER, signatureHeader } from "./signature.ts";

export interface WebhookEndpoint {
  url: string;
  secret: string;
  /** The notifications it wants; all of them when omitted. */
  events?: WebhookEventName[];
}

export interface DispatcherOptions {
  endpoints: WebhookEndpoint[];
  outbox: WebhookOutbox;
  events: LifecycleEvents;
  logger: Logger;
  clock: () => number;
  pollMs: number;
  retryBaseMs: number;
  maxAttempts: number;
  /** One POST may take this long before it counts as failed. */
  timeoutMs: number;
}

const MAX_RETRY_DELAY_MS = 3_600_000;
const BATCH = 50;

export function startWebhookDispatcher(options: DispatcherOptions): { stop(): Promise<void> } {
  const { endpoints, outbox, logger, clock } = options;
  if (endpoints.length === 0) return { stop: async () => undefined };
  const byUrl = new Map(endpoints.map((endpoint) => [endpoint.url, endpoint]));
  let stopped = false;
  let enqueueChain: Promise<void> = Promise.resolve();
  let running: Promise<void> | null = null;
  let again = false;

  const unsubscribe = options.events.on((event) => {
    const rows: NewOutboxMessage[] = [];
    for (const notification of notificationsFor(event)) {
      const body = JSON.stringify({ type: notification.type, deviceId: notification.deviceId, at: notification.at, data: notification.data });
      for (const endpoint of endpoints) {
        if (endpoint.events && !endpoint.events.includes(notification.type)) continue;
        rows.push({ endpoint: endpoint.url, deviceId: notification.deviceId, eventType: notification.type, body, createdAt: notification.at });
      }
    }
    if (rows.length === 0) return;
    // One chain: rows get ids in the order the events happened.
    enqueueChain = enqueueChain.then(() => outbox.enqueue(rows)).then(kick, (error) => logger.error({ err: error, event: "webhook.enqueue_failed" }, "webhook notification not stored"));
  });

  async function deliver(message: OutboxMessage) {
    const endpoint = byUrl.get(message.endpoint);
    const now = clock();
    if (!endpoint) return outbox.failed(message.id, null, "endpoint no longer configured", now);
    if (!(await outbox.claim(message.id, message.nextAttemptAt, now + options.timeoutMs * 2))) return;
    let problem: string;
    try {
      const response = await fetch(endpoint.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          [SIGNATURE_HEADER]: signatureHeader(endpoint.secret, String(message.id), message.body, Math.floor(clock() / 1000)),
          "baton-event": message.eventType,
          [DELIVERY_HEADER]: String(message.id),
        },
        body: message.body,
        signal: AbortSignal.timeout(options.timeoutMs),
        redirect: "manual",
      });
      await response.body?.cancel();
      if (response.ok) return outbox.delivered(message.id, clock());
      problem = `HTTP ${response.status}`;
    } catch (error) {
      problem = (error as Error).message;
    }
    const attempts = message.attempts + 1;
    const giveUp = attempts >= options.maxAttempts;
    const next = giveUp ? null : clock() + Math.min(options.retryBaseMs * 2 ** (attempts - 1), MAX_RETRY_DELAY_MS);
    logger.warn({ event: "webhook.failed", endpoint: endpoint.url, deviceId: message.deviceId, delivery: message.id, attempts, problem, gaveUp: giveUp }, "webhook delivery failed");
    await outbox.failed(message.id, next, problem, clock());
  }

  async function pass() {
    do {
      again = false;
      const due = await outbox.due(clock(), BATCH);
      // Different (endpoint, device) queues in parallel; each queue has one head at a time.
      await Promise.all(due.map((message) => deliver(message).catch((error) => logger.error({ err: error, event: "webhook.dispatch_failed" }, "webhook dispatch failed"))));
      if (due.length === BATCH) again = true;
    } while (again && !stopped);
  }

  function kick() {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = pass().catch((error) => logger.error({ err: error, event: "webhook.dispatch_failed" }, "webhook dispatch failed")).finally(() => (running = null));
  }

  const timer = setInterval(kick, options.pollMs);
  timer.unref();
  kick();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      unsubscribe();
      await enqueueChain;
      await running;
    },
  };
}
