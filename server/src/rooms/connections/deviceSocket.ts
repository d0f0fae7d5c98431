/**
 * The one socket of a device room's device: the newest connection wins (a rebooted device
 * may return before its old socket timed out), and a revocation in the registry (disabled,
 * secret rotated) closes it at once. The room is told when the device it counted as
 * connected is gone (`lost`), so the core can mark it offline.
 */
import type { Client } from "@colyseus/core";
import { BatonCloseCode } from "@baton/protocol";
import type { DeviceConnections } from "../../auth/revocations.ts";

export class DeviceSocket<C extends Client> {
  private client: C | null = null;
  private unregister: (() => void) | null = null;

  /** `lost` must be guarded (roomTimers.ts): a revocation calls it outside any handler. */
  constructor(private readonly deviceId: string, private readonly connections: DeviceConnections, private readonly lost: () => void) {}

  get current(): C | null {
    return this.client;
  }

  /** The device joined on `client`: it replaces an older socket, and is closed if its registration is revoked. */
  joined(client: C, secretHash: string, guard: (callback: (reason: string) => void) => (reason: string) => void): void {
    const previous = this.client;
    this.client = client;
    if (previous && previous !== client) {
      previous.leave(BatonCloseCode.DEVICE_REPLACED, "replaced by a newer connection of the same device");
    }
    this.unregister?.();
    this.unregister = this.connections.register(this.deviceId, secretHash, guard((reason: string) => {
      if (this.client !== client) return;
      this.client = null;
      client.leave(BatonCloseCode.DEVICE_REVOKED, reason);
      this.lost();
    }));
  }

  /** `client` left; true when it was the current device socket (the room marks the device offline). */
  left(client: C): boolean {
    if (this.client !== client) return false;
    this.client = null;
    return true;
  }

  /** Closes the current socket (the device went silent); the core already counts it offline, so its late close changes nothing. */
  drop(code: number, reason: string): void {
    const silent = this.client;
    this.client = null;
    silent?.leave(code, reason);
  }

  send(type: string, payload: unknown, sendTo: (client: C, type: string, payload: unknown) => void): void {
    if (this.client) sendTo(this.client, type, payload);
  }

  dispose(): void {
    this.unregister?.();
  }
}
