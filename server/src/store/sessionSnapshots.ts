/**
 * The last known core state of each device, kept outside the room so that a room that is
 * disposed (everyone left) and created again continues with the same epoch. Without this a
 * new room would start at epoch 0 and a device that remembers epoch 7 would rightly refuse
 * its commands. In-memory for now; restart recovery puts a durable store behind it.
 */
import type { CoreState } from "../session/index.ts";

export interface SessionSnapshotStore {
  load(deviceId: string): CoreState | undefined;
  save(state: CoreState): void;
}

export class InMemorySessionSnapshots implements SessionSnapshotStore {
  private readonly snapshots = new Map<string, CoreState>();

  load(deviceId: string) {
    return this.snapshots.get(deviceId);
  }

  save(state: CoreState) {
    this.snapshots.set(state.deviceId, state);
  }
}
