/**
 * Disabling a device or rotating its secret closes its connection (close code
 * DEVICE_REVOKED, 4102). The CLI changes the registry in the store, possibly from another
 * process, so each server process re-reads the registry every BATON_REGISTRY_POLL_MS and
 * closes the connections of devices whose secret hash changed or that were disabled.
 */
import { pollStore } from "../store/pollStore.ts";
import type { DeviceRegistry } from "../ports/store.ts";

export type Revoke = (reason: string) => void;

/** The device connections of this process that can be revoked, by device id. */
export class DeviceConnections {
  private readonly open = new Map<string, Revoke>();

  /** Registers the device's current connection; returns the function that unregisters it. */
  register(deviceId: string, revoke: Revoke): () => void {
    this.open.set(deviceId, revoke);
    return () => {
      if (this.open.get(deviceId) === revoke) this.open.delete(deviceId);
    };
  }

  revoke(deviceId: string, reason: string): boolean {
    const revoke = this.open.get(deviceId);
    if (!revoke) return false;
    this.open.delete(deviceId);
    revoke(reason);
    return true;
  }
}

/** Compares the registry with what it was at the last poll and revokes what changed. */
export class RevocationWatcher {
  private known = new Map<string, { secretHash: string; disabled: boolean }>();
  private stopPolling: (() => void) | null = null;

  constructor(private readonly registry: DeviceRegistry, private readonly connections: DeviceConnections) {}

  async check(): Promise<void> {
    const next = new Map<string, { secretHash: string; disabled: boolean }>();
    for (const device of await this.registry.list()) {
      const now = { secretHash: device.secretHash, disabled: device.disabledAt !== null };
      next.set(device.deviceId, now);
      const before = this.known.get(device.deviceId);
      if (now.disabled && (!before || !before.disabled)) this.connections.revoke(device.deviceId, "the device was disabled");
      else if (before && before.secretHash !== now.secretHash) this.connections.revoke(device.deviceId, "the device's secret was rotated");
    }
    // A device deleted from the registry outright is revoked too.
    for (const deviceId of this.known.keys()) if (!next.has(deviceId)) this.connections.revoke(deviceId, "the device was removed");
    this.known = next;
  }

  start(intervalMs: number): void {
    this.stop();
    this.stopPolling = pollStore(() => this.check(), intervalMs, "re-reading the device registry");
  }

  stop(): void {
    this.stopPolling?.();
    this.stopPolling = null;
  }
}
