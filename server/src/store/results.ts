/**
 * Where finished results live, so that nothing is lost: the room stores a result here
 * before it acknowledges the device, and an owner who was offline can fetch it later.
 * One interface; the in-memory implementation serves development and tests, the durable
 * stores (SQLite, PostgreSQL) implement the same interface in a later issue.
 */
export interface StoredResult {
  deviceId: string;
  runId: string;
  epoch: number;
  userId: string;
  sessionType: string;
  output: Record<string, unknown>;
  /** "delivered" when credited to its holder; "orphaned" when it arrived for a stale epoch or unknown run. */
  status: "delivered" | "orphaned";
  reason: string;
  storedAt: number;
}

export interface ResultStore {
  save(result: StoredResult): Promise<void>;
  findByRunId(deviceId: string, runId: string): Promise<StoredResult | undefined>;
  listForUser(userId: string, limit: number): Promise<StoredResult[]>;
}

/**
 * Keeps results in memory, bounded so a long-running dev server cannot grow without limit.
 * Delivered results and orphans are kept apart: a delivered result is written once per
 * (device, run id) and never replaced or evicted by an orphan — a device sending junk
 * can only ever push out older orphans.
 */
export class InMemoryResultStore implements ResultStore {
  private readonly delivered = new Map<string, StoredResult>();
  private readonly orphans = new Map<string, StoredResult>();

  constructor(private readonly capacity = 100_000, private readonly orphanCapacity = 10_000) {}

  async save(result: StoredResult) {
    const key = `${result.deviceId}\u0000${result.runId}`;
    if (result.status === "orphaned") {
      this.orphans.delete(key);
      this.orphans.set(key, result);
      evictOldest(this.orphans, this.orphanCapacity);
      return;
    }
    if (this.delivered.has(key)) return; // a re-sent result is the same result: first write wins
    this.delivered.set(key, result);
    evictOldest(this.delivered, this.capacity);
  }

  async findByRunId(deviceId: string, runId: string) {
    const key = `${deviceId}\u0000${runId}`;
    return this.delivered.get(key) ?? this.orphans.get(key);
  }

  async listForUser(userId: string, limit: number) {
    const mine: StoredResult[] = [];
    for (const result of [...this.delivered.values()].reverse()) {
      if (result.userId === userId) mine.push(result);
      if (mine.length >= limit) break;
    }
    return mine;
  }
}

function evictOldest(map: Map<string, StoredResult>, capacity: number) {
  while (map.size > capacity) {
    const oldest = map.keys().next().value;
    if (oldest === undefined) return;
    map.delete(oldest);
  }
}
