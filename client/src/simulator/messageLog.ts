/**
 * The log of messages a device received, with race-free waiting: `next(type, { after })`
 * looks at messages from index `after` on — those already logged included — so a test that
 * takes `mark()` before acting can never miss a reply that arrives before it starts waiting.
 */
import type { EventEmitter } from "node:events";
import type { ReceivedMessage, WaitOptions } from "./deviceTypes.ts";

export const DEFAULT_WAIT_MS = 10_000;

export class MessageLog {
  readonly entries: ReceivedMessage[] = [];
  private readonly listeners = new Set<(message: ReceivedMessage) => void>();

  constructor(private readonly owner: string) {}

  /** Index the next message will have. */
  mark(): number {
    return this.entries.length;
  }

  append(type: string, payload: unknown): ReceivedMessage {
    const message: ReceivedMessage = { index: this.entries.length, type, payload, at: Date.now() };
    this.entries.push(message);
    return message;
  }

  /** Wakes the waiters; called once the device has acted on the message. */
  announce(message: ReceivedMessage): void {
    for (const listener of [...this.listeners]) listener(message);
  }

  next(type: string, options: WaitOptions<unknown> = {}): Promise<unknown> {
    const after = options.after ?? this.entries.length;
    const matches = (message: ReceivedMessage) =>
      message.index >= after && message.type === type && (!options.predicate || options.predicate(message.payload));
    const already = this.entries.find(matches);
    if (already) return Promise.resolve(already.payload);
    const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
    return new Promise((resolve, reject) => {
      const listener = (message: ReceivedMessage) => {
        if (!matches(message)) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(message.payload);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        const seen = this.entries.slice(after).map((message) => message.type).join(", ") || "nothing";
        reject(new Error(`${this.owner}: no "${type}" within ${timeoutMs} ms (received since: ${seen})`));
      }, timeoutMs);
      this.listeners.add(listener);
    });
  }
}

/** Resolves with the first argument of the next `name` event that passes `predicate`. */
export function nextEvent<Events extends Record<keyof Events, unknown[]>, K extends keyof Events & string>(
  emitter: EventEmitter<Events>,
  owner: string,
  name: K,
  options: { predicate?: (...args: Events[K]) => boolean; timeoutMs?: number } = {},
): Promise<Events[K][0]> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
  const untyped = emitter as unknown as EventEmitter;
  return new Promise((resolve, reject) => {
    const listener = (...args: unknown[]) => {
      if (options.predicate && !options.predicate(...(args as Events[K]))) return;
      clearTimeout(timer);
      untyped.off(name, listener);
      resolve(args[0] as Events[K][0]);
    };
    const timer = setTimeout(() => {
      untyped.off(name, listener);
      reject(new Error(`${owner}: no "${name}" event within ${timeoutMs} ms`));
    }, timeoutMs);
    untyped.on(name, listener);
  });
}
