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

/** Keeps the newest results in memory; bounded so a long-running dev server cannot grow without limit. */
export class InMemoryResultStore implements ResultStore {
  private readonly results = new Map<string, StoredResult>();

  constructor(private readonly capacity = 100_000) {}

  async save(result: StoredResult) {
    const key = `${result.deviceId}\u0000${result.runId}`;
    this.results.delete(key);
    this.results.set(key, result);
    if (this.results.size > this.capacity) {
      const oldest = this.results.keys().next().value;
      if (oldest !== undefined) this.results.delete(oldest);
    }
  }

  async findByRunId(deviceId: string, runId: string) {
    return this.results.get(`${deviceId}\u0000${runId}`);
  }

  async listForUser(userId: string, limit: number) {
    const mine: StoredResult[] = [];
    for (const result of [...this.results.values()].reverse()) {
      if (result.userId === userId && result.status === "delivered") mine.push(result);
      if (mine.length >= limit) break;
    }
    return mine;
  }
}
