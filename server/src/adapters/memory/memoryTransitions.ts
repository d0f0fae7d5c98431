/**
 * `TransitionWriter` (ports/transitions.ts) over the other in-memory ports. Not grouped
 * (nothing to fsync); the same all-or-none rule for the required parts: the state is saved
 * first, and a refused state (an epoch regression) stops the write before anything else.
 */
import type { BatonStore } from "../../ports/store.ts";
import { writeHistoryRecord, type TransitionWriter } from "../../ports/transitions.ts";

export function createMemoryTransitions(store: Pick<BatonStore, "deviceStates" | "results" | "history" | "audit">): TransitionWriter {
  return {
    async commit(write) {
      if (write.state) await store.deviceStates.save(write.state);
      const delivered = [];
      for (const result of write.delivered ?? []) delivered.push(await store.results.saveDelivered(result));
      const orphaned = [];
      for (const orphan of write.orphans ?? []) orphaned.push(await store.results.saveOrphan(orphan));
      for (const outcome of write.outcomes ?? []) await store.results.saveOutcome(outcome);
      const recordErrors: unknown[] = [];
      for (const record of write.history ?? []) await writeHistoryRecord(store.history, record).catch((error) => recordErrors.push(error));
      for (const entry of write.audit ?? []) await store.audit.record(entry).catch((error) => recordErrors.push(error));
      return { delivered, orphans: orphaned, recordErrors };
    },
  };
}
