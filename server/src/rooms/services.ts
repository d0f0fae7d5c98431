/**
 * Everything a device room needs from the process, injected so tests can swap the clock,
 * the store (or one of its parts, for fault injection) and the registry. Built once in
 * `app.ts`.
 */
import type { DeviceAuthenticator } from "../auth/deviceAuthenticator.ts";
import type { DeviceConnections } from "../auth/revocations.ts";
import type { UserTokens } from "../auth/userTokens.ts";
import type { BatonConfig } from "../config/config.ts";
import type { LifecycleEvents } from "../events/lifecycle.ts";
import type { AuditLog, BatonStore, DeviceRegistry, DeviceStateStore, HistoryStore, ResultStore } from "../ports/store.ts";

export interface RoomServices {
  config: BatonConfig;
  /** The whole store; the fields below are its parts, separately replaceable in tests. */
  store: BatonStore;
  registry: DeviceRegistry;
  results: ResultStore;
  deviceStates: DeviceStateStore;
  history: HistoryStore;
  audit: AuditLog;
  deviceConnections: DeviceConnections;
  deviceAuthenticator: DeviceAuthenticator;
  userTokens: UserTokens;
  events: LifecycleEvents;
  clock: () => number;
  newRunId: () => string;
  /** Stops the process-level jobs (retention, registry polling) and closes the store. */
  close(): Promise<void>;
}
