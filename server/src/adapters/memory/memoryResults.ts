/**
 * `ResultStore` (ports/results.ts) in process memory: delivered results insert-once, orphans
 * kept apart and pruned to the device's newest within ORPHAN_LIMITS.
 */
import { ORPHAN_LIMITS, type DeliveredResult, type OrphanedResult, type ResultStore, type StoredOutcome } from "../../ports/results.ts";
import { copy, key, sweep, type Purgeable } from "./memoryRows.ts";

export function createMemoryResults(): ResultStore & Purgeable {
  let seq = 0;
  const delivered = new Map<string, DeliveredResult & { seq: number }>();
  const orphans = new Map<string, OrphanedResult>();
  const outcomes = new Map<string, StoredOutcome & { seq: number }>();
  const stripOutcome = ({ seq: _seq, ...outcome }: StoredOutcome & { seq: number }): StoredOutcome => copy(outcome);
  const strip = ({ seq: _seq, ...result }: DeliveredResult & { seq: number }): DeliveredResult => copy(result);

  return {
    async saveDelivered(result) {
      const id = key(result.deviceId, result.runId);
      if (delivered.has(id)) return { inserted: false };
      delivered.set(id, { ...copy(result), status: "delivered", handedOverAt: result.handedOverAt ?? null, seq: ++seq });
      return { inserted: true };
    },
    async saveOrphan(orphan) {
      const id = key(orphan.deviceId, orphan.runId);
      if (orphans.has(id)) return { inserted: false, dropped: 0 };
      orphans.set(id, { ...copy(orphan), status: "orphaned" });
      // The device's newest orphans within ORPHAN_LIMITS stay (a Map keeps insertion order).
      const mine = [...orphans].filter(([, kept]) => kept.deviceId === orphan.deviceId).reverse();
      let bytes = 0;
      let dropped = 0;
      mine.forEach(([keptId, kept], index) => {
        bytes += JSON.stringify(kept.output).length;
        if (index >= ORPHAN_LIMITS.count || bytes > ORPHAN_LIMITS.bytes) {
          orphans.delete(keptId);
          dropped++;
        }
      });
      return { inserted: true, dropped };
    },
    async findByRunId(deviceId, runId) {
      const found = delivered.get(key(deviceId, runId));
      return found ? strip(found) : undefined;
    },
    async findOrphan(deviceId, runId) {
      const found = orphans.get(key(deviceId, runId));
      return found ? copy(found) : undefined;
    },
    async listForUser(userId, page) {
      const before = page.before === undefined ? Infinity : Number(page.before);
      const mine = [...delivered.values()].filter((r) => r.userId === userId && r.seq < before).sort((a, b) => b.seq - a.seq);
      const shown = mine.slice(0, page.limit);
      return { results: shown.map(strip), ...(mine.length > page.limit ? { next: String(shown[shown.length - 1].seq) } : {}) };
    },
    async pendingFor(deviceId, userId) {
      return [...delivered.values()].filter((r) => r.deviceId === deviceId && r.userId === userId && r.handedOverAt === null)
        .sort((a, b) => a.seq - b.seq).slice(0, 100).map(strip);
    },
    async markHandedOver(deviceId, runIds, at) {
      const marked: string[] = [];
      for (const runId of runIds) {
        const found = delivered.get(key(deviceId, runId));
        if (found && found.handedOverAt === null) {
          found.handedOverAt = at;
          marked.push(runId);
        }
      }
      return marked;
    },
    async saveOutcome(outcome) {
      const id = key(outcome.deviceId, outcome.outcomeId);
      if (outcomes.has(id)) return { inserted: false };
      outcomes.set(id, { ...copy(outcome), handedOverAt: null, seq: ++seq });
      return { inserted: true };
    },
    async pendingOutcomesFor(deviceId, userId) {
      return [...outcomes.values()].filter((o) => o.deviceId === deviceId && o.userId === userId && o.handedOverAt === null)
        .sort((a, b) => a.seq - b.seq).slice(0, 100).map(stripOutcome);
    },
    async markOutcomesHandedOver(deviceId, userId, outcomeIds, at) {
      const marked: string[] = [];
      for (const outcomeId of outcomeIds) {
        const found = outcomes.get(key(deviceId, outcomeId));
        if (found && found.userId === userId && found.handedOverAt === null) {
          found.handedOverAt = at;
          marked.push(outcomeId);
        }
      }
      return marked;
    },
    async listOutcomesForUser(userId, page) {
      const before = page.before === undefined ? Infinity : Number(page.before);
      const mine = [...outcomes.values()].filter((o) => o.userId === userId && o.seq < before).sort((a, b) => b.seq - a.seq);
      const shown = mine.slice(0, page.limit);
      return { outcomes: shown.map(stripOutcome), ...(mine.length > page.limit ? { next: String(shown[shown.length - 1].seq) } : {}) };
    },
    purgeOlderThan(cutoff) {
      return sweep(delivered, (r) => r.storedAt < cutoff) + sweep(orphans, (r) => r.storedAt < cutoff) + sweep(outcomes, (o) => o.storedAt < cutoff);
    },
  };
}
