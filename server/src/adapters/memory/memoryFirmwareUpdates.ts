/**
 * `FirmwareUpdateStore` (ports/firmwareUpdates.ts) in process memory: one record per device.
 */
import type { FirmwareUpdateRecord, FirmwareUpdateStore } from "../../ports/firmwareUpdates.ts";
import { copy } from "./memoryRows.ts";

export function createMemoryFirmwareUpdates(): FirmwareUpdateStore {
  const updates = new Map<string, FirmwareUpdateRecord>();
  return {
    async request(record) {
      updates.set(record.deviceId, copy(record));
    },
    async update(record) {
      const stored = updates.get(record.deviceId);
      if (!stored || stored.requestedAt !== record.requestedAt) return false;
      updates.set(record.deviceId, { ...stored, status: record.status, offeredAt: record.offeredAt, finishedAt: record.finishedAt, detail: record.detail });
      return true;
    },
    async find(deviceId) {
      const found = updates.get(deviceId);
      return found ? copy(found) : undefined;
    },
    async list() {
      return [...updates.values()].sort((a, b) => (a.deviceId < b.deviceId ? -1 : 1)).map(copy);
    },
  };
}
