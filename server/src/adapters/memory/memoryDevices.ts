/**
 * `DeviceRegistry` (ports/devices.ts) in process memory: the registered devices, their secret
 * hashes, pools and declared session types.
 */
import type { SessionTypeSpec } from "@baton/protocol";
import { DeviceExistsError, type DeviceRegistry, type RegisteredDevice } from "../../ports/devices.ts";
import { copy } from "./memoryRows.ts";

export function createMemoryDevices(): DeviceRegistry {
  const devices = new Map<string, RegisteredDevice>();
  return {
    async find(deviceId) {
      const found = devices.get(deviceId);
      return found ? copy(found) : undefined;
    },
    async list() {
      return [...devices.values()].sort((a, b) => (a.deviceId < b.deviceId ? -1 : 1)).map(copy);
    },
    async add(device) {
      if (devices.has(device.deviceId)) throw new DeviceExistsError(device.deviceId);
      devices.set(device.deviceId, { ...copy(device), pool: device.pool ?? "", disabledAt: null, sessionTypes: [] });
    },
    async setPool(deviceId, pool) {
      const found = devices.get(deviceId);
      if (found) found.pool = pool;
      return Boolean(found);
    },
    async disable(deviceId, at) {
      const found = devices.get(deviceId);
      if (found) found.disabledAt = at;
      return Boolean(found);
    },
    async remove(deviceId) {
      return devices.delete(deviceId);
    },
    async setSecretHash(deviceId, secretHash) {
      const found = devices.get(deviceId);
      if (found) found.secretHash = secretHash;
      return Boolean(found);
    },
    async upsertFromImport(device) {
      const found = devices.get(device.deviceId);
      if (!found) {
        devices.set(device.deviceId, { ...copy(device), pool: "", disabledAt: null, sessionTypes: [] });
        return "added";
      }
      if (found.label === device.label && found.secretHash === device.secretHash) return "unchanged";
      Object.assign(found, { label: device.label, secretHash: device.secretHash });
      return "updated";
    },
    async recordSessionTypes(deviceId: string, sessionTypes: SessionTypeSpec[]) {
      const found = devices.get(deviceId);
      if (found) found.sessionTypes = copy(sessionTypes);
    },
  };
}
