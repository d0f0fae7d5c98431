/**
 * Runs expensive work (device-secret hashing) a few at a time, so that a flood of joins can
 * cost at most `concurrency` hashes at once and never starve the event loop, other devices
 * or `/health`. Work that cannot start within `maxWaitMs`, or finds `queueLength` tasks
 * already waiting, is refused at once with "busy" — a cheap answer instead of a growing backlog.
 *
 * Waiting tasks are served round-robin by key (device and client address), so a flood from
 * one address cannot push another device's — or the same device's own — check past its
 * deadline; each key may have at most `perKeyQueueLength` tasks waiting.
 */
export interface BoundedWorkLimits {
  concurrency: number;
  queueLength: number;
  maxWaitMs: number;
  perKeyQueueLength?: number;
}

interface Waiting {
  start: () => void;
  expire: NodeJS.Timeout;
}

export const BUSY = Symbol("busy");

export class BoundedWorkQueue {
  private running = 0;
  private waitingCount = 0;
  /** Waiting tasks per key, in arrival order; Map order gives the round-robin between keys. */
  private readonly waiting = new Map<string, Waiting[]>();

  constructor(private readonly limits: BoundedWorkLimits) {}

  async run<T>(key: string, task: () => Promise<T>): Promise<T | typeof BUSY> {
    if (this.running < this.limits.concurrency && this.waitingCount === 0) return this.execute(task);
    const queue = this.waiting.get(key) ?? [];
    if (this.waitingCount >= this.limits.queueLength || queue.length >= (this.limits.perKeyQueueLength ?? 4)) return BUSY;
    return new Promise<T | typeof BUSY>((resolve) => {
      const entry: Waiting = {
        start: () => {
          clearTimeout(entry.expire);
          resolve(this.execute(task));
        },
        expire: setTimeout(() => {
          this.remove(key, entry);
          resolve(BUSY);
        }, this.limits.maxWaitMs),
      };
      queue.push(entry);
      this.waiting.set(key, queue);
      this.waitingCount++;
    });
  }

  /** Tasks running and waiting now (for health and tests). */
  get load() {
    return { running: this.running, waiting: this.waitingCount };
  }

  private async execute<T>(task: () => Promise<T>): Promise<T> {
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.startNext();
    }
  }

  private startNext() {
    const next = this.waiting.entries().next().value;
    if (!next) return;
    const [key, queue] = next;
    const entry = queue.shift()!;
    this.waitingCount--;
    // Move this key to the back so the next slot goes to another device.
    this.waiting.delete(key);
    if (queue.length > 0) this.waiting.set(key, queue);
    entry.start();
  }

  private remove(key: string, entry: Waiting) {
    const queue = this.waiting.get(key);
    const index = queue?.indexOf(entry) ?? -1;
    if (!queue || index < 0) return;
    queue.splice(index, 1);
    this.waitingCount--;
    if (queue.length === 0) this.waiting.delete(key);
  }
}
