/**
 * In-memory adapter — for unit tests only (it forgets everything when the process ends).
 * It implements exactly the semantics of the SQL adapters and runs through the same
 * conformance suite: insert-once results, orphans kept apart, epochs that never decrease.
 * One file per port (memoryResults.ts, memoryHistory.ts, … mirroring ports/); this one
 * assembles them.
 */
import type { BatonStore } from "../../ports/store.ts";
import { createMemoryAudit } from "./memoryAudit.ts";
import { createMemoryAvailability } from "./memoryAvailability.ts";
import { createMemoryBookings } from "./memoryBookings.ts";
import { createMemoryDevices } from "./memoryDevices.ts";
import { createMemoryFirmwareUpdates } from "./memoryFirmwareUpdates.ts";
import { createMemoryDeviceStates } from "./memoryDeviceStates.ts";
import { createMemoryHistory } from "./memoryHistory.ts";
import { createMemoryOutbox } from "./memoryOutbox.ts";
import { createMemoryResults } from "./memoryResults.ts";
import { createMemoryTransitions } from "./memoryTransitions.ts";
import { createMemoryTelemetry } from "./memoryTelemetry.ts";

export function createMemoryStore(): BatonStore {
  const ports = {
    results: createMemoryResults(),
    deviceStates: createMemoryDeviceStates(),
    history: createMemoryHistory(),
    devices: createMemoryDevices(),
    audit: createMemoryAudit(),
    outbox: createMemoryOutbox(),
    availability: createMemoryAvailability(),
    firmwareUpdates: createMemoryFirmwareUpdates(),
    telemetry: createMemoryTelemetry(),
    bookings: createMemoryBookings(),
  };
  const purgeable = [ports.results, ports.history, ports.audit, ports.outbox, ports.telemetry, ports.bookings];
  return {
    kind: "memory",
    location: "in memory (tests only)",
    ...ports,
    transitions: createMemoryTransitions(ports),
    async purgeOlderThan(cutoff) {
      return purgeable.reduce((removed, port) => removed + port.purgeOlderThan(cutoff), 0);
    },
    async ping() {},
    async close() {},
  };
}
