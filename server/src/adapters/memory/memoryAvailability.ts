/**
 * `AvailabilityStore` (ports/availability.ts) in process memory: one record per device.
 */
import type { AvailabilityRecord, AvailabilityStore } from "../../ports/availability.ts";
import { copy } from "./memoryRows.ts";

export function createMemoryAvailability(): AvailabilityStore {
  const availability = new Map<string, AvailabilityRecord>();
  return {
    async set(record) {
      availability.set(record.deviceId, copy(record));
    },
    async find(deviceId) {
      const found = availability.get(deviceId);
      return found ? copy(found) : undefined;
    },
    async list() {
      return [...availability.values()].sort((a, b) => (a.deviceId < b.deviceId ? -1 : 1)).map(copy);
    },
  };
}
