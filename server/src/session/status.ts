/**
 * What an operator sees of a device at a glance — online, phase, who holds it since when,
 * progress — derived from the core state, never stored. The HTTP API reads it from a live
 * room, or from the stored state when the device has no room right now.
 */
import type { DeviceAvailabilityName, DeviceConnectionName, EndReasonName, PhaseName } from "@baton/protocol";
import { lineOf, withQueueDefaults } from "./line.ts";
import { phaseOf } from "./phase.ts";
import type { CoreState, UserRef } from "./types.ts";

export interface DeviceStatus {
  online: boolean;
  connection: DeviceConnectionName;
  /** When the device last went online or offline (ms since epoch). */
  onlineSince: number;
  phase: PhaseName;
  epoch: number;
  /** The current holder (id and display name), null when free. */
  holder: UserRef | null;
  /** When the current holder claimed the device; null when free. */
  heldSince: number | null;
  /** The run in flight, if any, and its last reported progress (0…1). */
  runId: string | null;
  sessionType: string | null;
  progress: number | null;
  lastEndReason: EndReasonName | "";
  /** Users waiting for the device (an open offer's holder included). */
  queueLength: number;
  /** available / drained / quarantined / maintenance, and why. */
  availability: { status: DeviceAvailabilityName; reason: string; since: number; by: string };
  /** False while the device owes a `ready` after the last session. */
  ready: boolean;
}

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
