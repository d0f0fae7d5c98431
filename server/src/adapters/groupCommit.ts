/**
 * Group commit: the writes submitted during one turn of the event loop are handed to the
 * adapter together (at `setImmediate`, after the turn's I/O callbacks), which commits them
 * in one transaction — one fsync for every device that changed in that turn instead of one
 * per write. Each submitter's promise settles with its own outcome once the transaction
 * has committed (or with the error that kept it from committing).
 *
 * One flush at a time: writes submitted while a flush is in flight (an asynchronous store)
 * wait for the next one, so a busy store commits ever larger groups rather than queueing
 * transactions.
 */
export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

interface Pending<W, R> {
  write: W;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<W, R> {
  private queue: Pending<W, R>[] = [];
  private scheduled = false;
  private flushing: Promise<void> | null = null;

  /**
   * `flush` commits the writes in one transaction and returns each one's outcome in order;
   * when it throws, the transaction did not commit and every write of the group fails.
   */
  private readonly flush: (writes: W[]) => Settled<R>[] | Promise<Settled<R>[]>;
  private readonly maxGroup: number;

  // Fields written out (no parameter properties): the SQLite worker thread loads this file with
  // Node's own type stripping (adapters/sqlite/workerClient.ts).
  constructor(flush: (writes: W[]) => Settled<R>[] | Promise<Settled<R>[]>, maxGroup = 1_000) {
    this.flush = flush;
    this.maxGroup = maxGroup;
  }

  submit(write: W): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ write, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves when every write submitted so far has been flushed. */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.flushing || this.scheduled) {
      if (this.flushing) await this.flushing;
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private schedule() {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flushing = this.run().finally(() => {
        this.flushing = null;
        if (this.queue.length > 0) this.schedule();
      });
    });
  }

  private async run() {
    const group = this.queue.splice(0, this.maxGroup);
    if (group.length === 0) return;
    let settled: Settled<R>[];
    try {
      settled = await this.flush(group.map((pending) => pending.write));
    } catch (error) {
      for (const pending of group) pending.reject(error);
      return;
    }
    group.forEach((pending, index) => {
      const outcome = settled[index];
      if (!outcome) pending.reject(new Error("group commit: no outcome for a write"));
      else if (outcome.ok) pending.resolve(outcome.value);
      else pending.reject(outcome.error);
    });
  }
}
