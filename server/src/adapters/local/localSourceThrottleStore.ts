/**
 * SourceThrottleStore for a single process: a map. Memory is bounded: records are forgotten
 * when they expire, and at most `maxSources` are kept — when full, expired records go
 * first, then the oldest written.
 */
import type { SourceRecord, SourceThrottleStore } from "../../ports/sourceThrottle.ts";

export class LocalSourceThrottleStore implements SourceThrottleStore {
  private readonly records = new Map<string, { record: SourceRecord; expiresAt: number }>();

  constructor(private readonly clock: () => number = Date.now, private readonly maxSources = 100_000) {}

  /** How many addresses are remembered (tests check the bound). */
  get size(): number {
    return this.records.size;
  }

  async read(source: string): Promise<SourceRecord | undefined> {
    return this.current(source);
  }

  async update<T>(source: string, change: (current: SourceRecord | undefined) => { next: SourceRecord | undefined; result: T }, keepMs: number): Promise<T> {
    // Synchronous from read to write: nothing else in this process can interleave.
    const { next, result } = change(this.current(source));
    this.records.delete(source); // re-inserted last: Map order is write order
    if (next) {
      if (this.records.size >= this.maxSources) this.makeRoom();
      this.records.set(source, { record: structuredClone(next), expiresAt: this.clock() + keepMs });
    }
    return result;
  }

  private current(source: string): SourceRecord | undefined {
    const entry = this.records.get(source);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.clock()) {
      this.records.delete(source);
      return undefined;
    }
    return structuredClone(entry.record);
  }

  private makeRoom() {
    const now = this.clock();
    for (const [source, entry] of this.records) {
      if (entry.expiresAt <= now) this.records.delete(source);
    }
    while (this.records.size >= this.maxSources) {
      const oldest = this.records.keys().next().value;
      if (oldest === undefined) return;
      this.records.delete(oldest);
    }
  }
}
