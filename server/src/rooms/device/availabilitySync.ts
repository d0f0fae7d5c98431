/**
 * What a device room reads from the store besides the core state when it is created: the
 * durable availability record (an operator may have drained or quarantined the device with
 * the CLI while it had no room), and the history the queue's ETA is learned from.
 */
import { DeviceAvailability } from "@baton/protocol";
import type { AvailabilityRecord } from "../../ports/store.ts";
import { samplesFrom, type Command, type CoreState, type DurationSamples } from "../../session/index.ts";
import type { RoomServices } from "../services.ts";

/** How many recent runs and sessions the ETA is learned from. */
export const ETA_HISTORY = 25;

/**
 * The core command that brings the room in line with a stored decision newer than the one
 * it knows, or null. Maintenance is never taken from the store: it is the device's own state
 * (a missing `ready`), which the room's core tracks itself.
 */
export function commandForStoredAvailability(core: CoreState, record: AvailabilityRecord | undefined): Command | null {
  if (!record || record.since < core.availability.since) return null;
  if (record.status === core.availability.status && record.reason === core.availability.reason) return null;
  const by = { userId: record.by || "store", name: record.by || "store" };
  switch (record.status) {
    case DeviceAvailability.DRAINED: return { type: "drain", by, reason: record.reason };
    case DeviceAvailability.QUARANTINED: return { type: "quarantine", by, reason: record.reason };
    case DeviceAvailability.AVAILABLE: return core.availability.status === DeviceAvailability.AVAILABLE ? null : { type: "returnToService", by, reason: record.reason };
    default: return null;
  }
}

/** Recent durations of the device's runs and sessions, from its history; empty when the store cannot say. */
export async function loadDurationSamples(services: RoomServices, deviceId: string): Promise<DurationSamples> {
  const [runs, sessions] = await Promise.all([
    services.history.recentRunDurations(deviceId, ETA_HISTORY),
    services.history.recentSessionDurations(deviceId, ETA_HISTORY),
  ]);
  return samplesFrom(runs, sessions);
}
