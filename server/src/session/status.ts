/**
 * What an operator sees of a device at a glance — online, phase, who holds it since when,
 * progress — derived from the core state, never stored. The HTTP API reads it from a live
 * room, or from the stored state when the device has no room right now.
 */
import type { DeviceStatus as WireDeviceStatus } from "@baton/protocol/http";
import { lineOf, withQueueDefaults } from "./line.ts";
import { phaseOf } from "./phase.ts";
import type { CoreState } from "./types.ts";

/**
 * The status as the HTTP API shows it (`DeviceStatus` of `@baton/protocol/http`, the wire
 * schema), less `viewers`, which only a live room knows (rooms/liveRooms.ts adds it).
 */
export type DeviceStatus = Omit<WireDeviceStatus, "viewers">;

export function deviceStatusOf(stored: CoreState): DeviceStatus {
  const state = withQueueDefaults(stored);
  const session = state.session;
  const run = session?.run ?? null;
  return {
    online: state.device.online,
    connection: state.device.connection,
    onlineSince: state.device.since,
    phase: phaseOf(state),
    epoch: state.epoch,
    holder: session ? { userId: session.holder.userId, name: session.holder.name } : null,
    heldSince: session?.startedAt ?? null,
    runId: run?.runId ?? null,
    sessionType: run?.sessionType ?? null,
    progress: run ? run.progress : null,
    lastEndReason: state.lastEndReason,
    queueLength: lineOf(state).length,
    availability: { ...state.availability },
    ready: state.awaitingReadySince === 0,
  };
}
