/**
 * `DeviceStateStore` (ports/deviceStates.ts) in process memory: one state per device, an
 * epoch that never goes down.
 */
import { initialState, MAX_EPOCH, type CoreState } from "../../session/index.ts";
import { EpochRegressionError, type DeviceStateStore } from "../../ports/deviceStates.ts";
import { copy } from "./memoryRows.ts";

export function createMemoryDeviceStates(): DeviceStateStore {
  const states = new Map<string, CoreState>();
  return {
    async load(deviceId) {
      const found = states.get(deviceId);
      return found ? copy(found) : undefined;
    },
    async save(state) {
      const stored = states.get(state.deviceId);
      if (stored && stored.epoch > state.epoch) throw new EpochRegressionError(state.deviceId, stored.epoch, state.epoch);
      states.set(state.deviceId, copy(state));
    },
    async raiseEpoch(deviceId, epoch, now) {
      const stored = states.get(deviceId);
      if (stored && stored.epoch >= epoch) return stored.epoch;
      states.set(deviceId, { ...(stored ?? initialState(deviceId, now)), epoch });
      return epoch;
    },
    async repairEpoch(deviceId, epoch) {
      const stored = states.get(deviceId);
      if (!stored) return undefined;
      if (stored.epoch <= MAX_EPOCH) return stored.epoch;
      states.set(deviceId, { ...stored, epoch });
      return epoch;
    },
  };
}
