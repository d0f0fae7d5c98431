/**
 * Applies availability decisions written straight to the store (the CLI: `npm run baton --
 * device drain …`, possibly from another machine) to the device rooms that live in *this*
 * process, within BATON_REGISTRY_POLL_MS — as the revocation watcher does for disabled
 * devices. Each process polls for its own rooms, so this needs no cross-process call; a
 * device with no room picks the record up when its room is created (availabilitySync.ts).
 *
 * The rooms themselves write the same table on every change they make, so a record the
 * watcher sees may be a room's own: the room ignores a record that says what it already
 * knows (commandForStoredAvailability).
 */
import { pollStore } from "../../store/pollStore.ts";
import type { Logger } from "../../observability/logger.ts";
import type { AvailabilityRecord, AvailabilityStore } from "../../ports/store.ts";

/** What the watcher needs of a live room. */
export type ApplyStoredAvailability = (record: AvailabilityRecord) => void;

export class AvailabilityWatcher {
  private known = new Map<string, string>();
  private stopPolling: (() => void) | null = null;
  private readonly rooms = new Map<string, ApplyStoredAvailability>();

  constructor(private readonly availability: AvailabilityStore, private readonly logger: Pick<Logger, "error">) {}

  /** A room of this process registers itself; returns the function that unregisters it. */
  register(deviceId: string, apply: ApplyStoredAvailability): () => void {
    this.rooms.set(deviceId, apply);
    return () => {
      if (this.rooms.get(deviceId) === apply) this.rooms.delete(deviceId);
    };
  }

  async check(): Promise<void> {
    const next = new Map<string, string>();
    for (const record of await this.availability.list()) {
      const fingerprint = `${record.status}\u0000${record.reason}\u0000${record.since}`;
      next.set(record.deviceId, fingerprint);
      if (this.known.size > 0 && this.known.get(record.deviceId) === fingerprint) continue;
      this.rooms.get(record.deviceId)?.(record);
    }
    this.known = next;
  }

  start(intervalMs: number): void {
    this.stop();
    this.stopPolling = pollStore(() => this.check(), intervalMs, "re-reading device availability", this.logger);
  }

  stop(): void {
    this.stopPolling?.();
    this.stopPolling = null;
  }
}
