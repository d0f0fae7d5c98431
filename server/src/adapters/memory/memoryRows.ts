/**
 * What every in-memory port shares: composite keys, deep copies (so callers can never mutate
 * what is "stored", as with a real database) and the retention sweep.
 */

export const key = (deviceId: string, id: string | number) => `${deviceId}\u0000${id}`;
export const copy = <T>(value: T): T => structuredClone(value);

/** A port that keeps rows the retention purge may delete (BatonStore.purgeOlderThan). */
export interface Purgeable {
  /** Deletes what is older than `cutoff`; returns how many rows went. */
  purgeOlderThan(cutoff: number): number;
}

/** Deletes the entries of `map` that are `old`; returns how many. */
export function sweep<T>(map: Map<string, T>, old: (value: T) => boolean): number {
  let removed = 0;
  for (const [id, value] of map) if (old(value)) { map.delete(id); removed++; }
  return removed;
}
