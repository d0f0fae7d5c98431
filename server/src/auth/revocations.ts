/**
 * Disabling a device, rotating its secret or removing it closes its connection (close code
 * DEVICE_REVOKED, 4102). The CLI changes the registry in the store, possibly from another
 * process, so each server process re-reads the registry every BATON_REGISTRY_POLL_MS.
 *
 * Revocation goes by *state*, not by change (issue 18 finding 3): every connection carries
 * the secret hash it authenticated with, and at every poll each one is compared with the
 * registry as it is now — disabled, removed, or a hash that is no longer the device's, and
 * it is closed. A seat reserved before the change and used after it is refused at join
 * (rooms/device/DeviceRoom.ts) and, should it slip between the two, closed at the next poll.
 * Live rooms are told the registry's state too, so their core refuses claims on a disabled
 * device (session/grant.ts).
 */
import { pollStore } from "../store/pollStore.ts";
import type { Logger } from "../observability/logger.ts";
import type { DeviceRegistry, RegisteredDevice } from "../ports/store.ts";

export type Revoke = (reason: string) => void;

/** What a live room of this process does with the registry's record of its device (undefined: removed). */
export type ApplyRegistryState = (device: RegisteredDevice | undefined) => void;

/** Why a connection authenticated with `secretHash` may no longer stay, or null. */
export function revocationReason(device: Pick<RegisteredDevice, "secretHash" | "disabledAt"> | undefined, secretHash: string): string | null {
  if (!device) return "the device was removed";
  if (device.disabledAt !== null) return "the device was disabled";
  if (device.secretHash !== secretHash) return "the device's secret was rotated";
  return null;
}

/** The device connections and rooms of this process, by device id. */
export class DeviceConnections {
  private readonly open = new Map<string, { secretHash: string; revoke: Revoke }>();
  private readonly rooms = new Map<string, ApplyRegistryState>();

  /** Registers the device's current connection and the hash it authenticated with; returns the function that unregisters it. */
  register(deviceId: string, secretHash: string, revoke: Revoke): () => void {
    const entry = { secretHash, revoke };
    this.open.set(deviceId, entry);
    return () => {
      if (this.open.get(deviceId) === entry) this.open.delete(deviceId);
    };
  }

  /** A room of this process registers itself to hear the registry's state; returns the function that unregisters it. */
  registerRoom(deviceId: string, apply: ApplyRegistryState): () => void {
    this.rooms.set(deviceId, apply);
    return () => {
      if (this.rooms.get(deviceId) === apply) this.rooms.delete(deviceId);
    };
  }

  revoke(deviceId: string, reason: string): boolean {
    const entry = this.open.get(deviceId);
    if (!entry) return false;
    this.open.delete(deviceId);
    entry.revoke(reason);
    return true;
  }

  /** Compares every connection and room with the registry as it is now. */
  enforce(devices: Map<string, RegisteredDevice>): void {
    for (const [deviceId, entry] of [...this.open]) {
      const reason = revocationReason(devices.get(deviceId), entry.secretHash);
      if (reason) this.revoke(deviceId, reason);
    }
    for (const [deviceId, apply] of [...this.rooms]) apply(devices.get(deviceId));
  }
}

/** Re-reads the registry on an interval and enforces its current state on this process. */
export class RevocationWatcher {
  private stopPolling: (() => void) | null = null;

  constructor(private readonly registry: DeviceRegistry, private readonly connections: DeviceConnections, private readonly logger: Pick<Logger, "error">) {}

  async check(): Promise<void> {
    const devices = new Map<string, RegisteredDevice>();
    for (const device of await this.registry.list()) devices.set(device.deviceId, device);
    this.connections.enforce(devices);
  }

  start(intervalMs: number): void {
    this.stop();
    this.stopPolling = pollStore(() => this.check(), intervalMs, "re-reading the device registry", this.logger);
  }

  stop(): void {
    this.stopPolling?.();
    this.stopPolling = null;
  }
}
