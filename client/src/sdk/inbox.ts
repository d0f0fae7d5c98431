/**
 * Messages by kind, taken one at a time: `next(kind)` returns the oldest message of that
 * kind not yet taken — already received, or the next to arrive — so a caller never misses
 * one that came before it started waiting.
 */
type Waiter<T> = { resolve: (message: T) => void; timer: ReturnType<typeof setTimeout> };

export class Inbox<T> {
  private readonly unread = new Map<string, T[]>();
  private readonly waiters = new Map<string, Waiter<T>[]>();

  push(kind: string, message: T): void {
    const waiter = this.waiters.get(kind)?.shift();
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.resolve(message);
      return;
    }
    const queue = this.unread.get(kind) ?? [];
    queue.push(message);
    this.unread.set(kind, queue);
  }

  /** `describeTimeout` builds the rejection's message, so callers can say what did arrive. */
  next(kind: string, timeoutMs: number, describeTimeout: () => string = () => `no ${kind} within ${timeoutMs} ms`): Promise<T> {
    const queued = this.unread.get(kind);
    if (queued?.length) return Promise.resolve(queued.shift()!);
    return new Promise<T>((resolve, reject) => {
      const list = this.waiters.get(kind) ?? [];
      const waiter: Waiter<T> = {
        resolve,
        timer: setTimeout(() => {
          list.splice(list.indexOf(waiter), 1);
          reject(new Error(describeTimeout()));
        }, timeoutMs),
      };
      list.push(waiter);
      this.waiters.set(kind, list);
    });
  }
}
