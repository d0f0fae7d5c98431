/**
 * Port: the device registry — which devices exist, how each proves who it is (a hashed
 * secret), whether it is disabled, and what it last declared it can do.
 */
import type { SessionTypeSpec } from "@baton/protocol";

export interface RegisteredDevice {
  deviceId: string;
  label: string;
  /** What kind of instrument ("scale", "printer", …); free text, for people and pools. */
  kind: string;
  /** scrypt hash of the device secret (see auth/deviceSecrets.ts); never the secret. */
  secretHash: string;
  createdAt: number;
  /** Set when an operator disabled the device: it can no longer join. */
  disabledAt: number | null;
  /** The session types of its last `hello`. */
  sessionTypes: SessionTypeSpec[];
  /** An explicit pool name set by an operator ("" = none: the device's pool is its `kind`). See `poolOf`. */
  pool: string;
}

/** The pool a device belongs to: its explicit pool name, else its kind ("" = in no pool). */
export function poolOf(device: Pick<RegisteredDevice, "pool" | "kind">): string {
  return device.pool || device.kind;
}

export class DeviceExistsError extends Error {
  constructor(readonly deviceId: string) {
    super(`a device "${deviceId}" is already registered`);
  }
}

export interface DeviceRegistry {
  find(deviceId: string): Promise<RegisteredDevice | undefined>;
  list(): Promise<RegisteredDevice[]>;
  /** Throws DeviceExistsError when the id is taken. */
  add(device: Omit<RegisteredDevice, "disabledAt" | "sessionTypes" | "pool"> & { pool?: string }): Promise<void>;
  /** Sets (or with "" clears) the device's explicit pool name; returns false when no such device exists. */
  setPool(deviceId: string, pool: string): Promise<boolean>;
  /** Returns false when no such device exists. */
  disable(deviceId: string, at: number): Promise<boolean>;
  /**
   * Removes the device from the registry; returns false when no such device exists. Its
   * stored state (epoch), history, results and audit entries stay: a device registered again
   * under the id continues above its last epoch. A connected server closes its connection
   * within BATON_REGISTRY_POLL_MS (an unregistered device is revoked, auth/revocations.ts).
   */
  remove(deviceId: string): Promise<boolean>;
  /** Returns false when no such device exists. */
  setSecretHash(deviceId: string, secretHash: string): Promise<boolean>;
  /** Updates label and secret hash from an import file (creates the device if missing); returns what happened. */
  upsertFromImport(device: { deviceId: string; label: string; kind: string; secretHash: string; createdAt: number }): Promise<"added" | "updated" | "unchanged">;
  recordSessionTypes(deviceId: string, sessionTypes: SessionTypeSpec[]): Promise<void>;
}
