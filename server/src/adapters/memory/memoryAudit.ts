/**
 * `AuditLog` (ports/audit.ts) in process memory: append-only, read newest first.
 */
import type { AuditEntry, AuditLog } from "../../ports/audit.ts";
import { copy, type Purgeable } from "./memoryRows.ts";

export function createMemoryAudit(): AuditLog & Purgeable {
  let seq = 0;
  let audit: (AuditEntry & { seq: number })[] = [];
  return {
    async record(entry) {
      // Stored as JSON, as the SQL adapters do (a detail that is not JSON is refused).
      audit.push({ ...copy(entry), detail: JSON.parse(JSON.stringify(entry.detail)), seq: ++seq });
    },
    async list(query) {
      return audit.filter((entry) => query.deviceId === undefined || entry.deviceId === query.deviceId)
        .sort((a, b) => b.seq - a.seq).slice(0, query.limit).map(({ seq: _seq, ...entry }) => copy(entry));
    },
    purgeOlderThan(cutoff) {
      const kept = audit.filter((entry) => entry.at >= cutoff);
      const removed = audit.length - kept.length;
      audit = kept;
      return removed;
    },
  };
}
