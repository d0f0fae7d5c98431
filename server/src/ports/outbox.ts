/**
 * Port: the webhook outbox — notifications waiting to be delivered, in the store, so they
 * survive a restart and cost no memory while an endpoint is down. The room never waits for
 * it: events are enqueued after the fact and a dispatcher (webhooks/dispatcher.ts) delivers.
 *
 * Order per device: for each (endpoint, device) only the oldest undelivered message is ever
 * due, so a device's notifications arrive in the order they happened, retries included.
 * Several processes may dispatch from one store: `claim` lets exactly one of them take a
 * message for an attempt.
 */

export interface OutboxMessage {
  id: number;
  endpoint: string;
  deviceId: string;
  eventType: string;
  /** The JSON body, exactly as it is signed and sent. */
  body: string;
  attempts: number;
  nextAttemptAt: number;
  createdAt: number;
}

/** A message as the admin area lists it: its state and last error, never its body. */
export interface OutboxDelivery extends Omit<OutboxMessage, "body"> {
  lastError: string | null;
  /** When the dispatcher gave up on it (null while it is still retried). */
  givenUpAt: number | null;
}

export type OutboxState = "pending" | "failed";

export type NewOutboxMessage = Pick<OutboxMessage, "endpoint" | "deviceId" | "eventType" | "body" | "createdAt">;

export interface WebhookOutbox {
  /** Appends messages (ids grow in this order). */
  enqueue(messages: NewOutboxMessage[]): Promise<void>;
  /** The head (oldest undelivered, not given up) of each (endpoint, device) queue whose attempt is due, oldest first. */
  due(now: number, limit: number): Promise<OutboxMessage[]>;
  /** Takes a due message for one attempt until `leaseUntil`; false when another dispatcher took it first. */
  claim(id: number, expectedNextAttemptAt: number, leaseUntil: number): Promise<boolean>;
  delivered(id: number, at: number): Promise<void>;
  /** A failed attempt: try again at `nextAttemptAt`, or give up (null) so the queue moves on. */
  failed(id: number, nextAttemptAt: number | null, error: string, at: number): Promise<void>;
  /** Messages neither delivered nor given up. */
  pendingCount(): Promise<number>;
  /** Pending (neither delivered nor given up) or failed (given up) messages, newest first. */
  list(state: OutboxState, limit: number): Promise<OutboxDelivery[]>;
  /**
   * A given-up message back in line, due at `now` (attempts kept). It is its queue's head
   * again, so the device's later notifications wait behind it. False when no such message
   * was given up.
   */
  retry(id: number, now: number): Promise<boolean>;
}
