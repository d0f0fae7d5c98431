/**
 * Everything a device room needs from the process, injected so tests can swap the clock,
 * the store (or one of its parts, for fault injection) and the registry. Built once in
 * `app.ts`.
 */
import type { DeviceAuthenticator } from "../auth/deviceAuthenticator.ts";
import type { DeviceConnections } from "../auth/revocations.ts";
import type { AvailabilityWatcher } from "./cluster/availabilityWatcher.ts";
import type { UserTokens } from "../auth/userTokens.ts";
import type { BatonConfig } from "../config/config.ts";
import type { LifecycleEvents } from "../events/lifecycle.ts";
import type { LiveRooms } from "./operator/liveRooms.ts";
import type { Logger } from "../observability/logger.ts";
import type { BatonMetrics } from "../observability/metrics.ts";
import type { Cluster } from "../cluster.ts";
import type { DeviceRoomLeases } from "./cluster/deviceRoomLeases.ts";
import type { QuotaRenewer } from "./edge/fairUseGate.ts";
import type { InputValidator } from "../session/index.ts";
import type { AuditLog, BatonStore, DeviceRegistry, DeviceStateStore, HistoryStore, ResultStore, TransitionWriter } from "../ports/store.ts";

export interface RoomServices {
  config: BatonConfig;
  /** The whole store; the fields below are its parts, separately replaceable in tests. */
  store: BatonStore;
  registry: DeviceRegistry;
  results: ResultStore;
  deviceStates: DeviceStateStore;
  history: HistoryStore;
  audit: AuditLog;
  /** A transition's state, results and records, committed together (grouped across devices). */
  transitions: TransitionWriter;
  deviceConnections: DeviceConnections;
  /**
   * Enforces the registry's current state on this process at once (the revocation watcher's
   * check, without waiting for its next poll): the admin API calls it after a disable, a
   * rotation or a delete, so revocation through the API is immediate here; other processes
   * follow at their next poll (BATON_REGISTRY_POLL_MS).
   */
  enforceRegistry(): Promise<void>;
  /** Applies drains and quarantines written to the store by the CLI to this process's rooms. */
  availabilityWatcher: AvailabilityWatcher;
  deviceAuthenticator: DeviceAuthenticator;
  /** Presence, driver and public address for Colyseus, local or on Redis (cluster.ts). */
  cluster: Cluster;
  /** The one-room-per-device locks of this process's rooms, renewed while the rooms live. */
  roomLeases: DeviceRoomLeases;
  /** Renews the per-user quota slots of this process's rooms (rooms/edge/fairUseGate.ts). */
  quotaRenewer: QuotaRenewer;
  userTokens: UserTokens;
  events: LifecycleEvents;
  logger: Logger;
  metrics: BatonMetrics;
  /** The seam through which HTTP routes reach device rooms (live status, force-release). */
  liveRooms: LiveRooms;
  /** Set when the process begins to shut down: /readyz answers 503 and new joins are refused. */
  readiness: { draining: boolean };
  clock: () => number;
  newRunId: () => string;
  /** The core's input-validation port (session/types.ts `InputValidator`): edge/inputValidation.ts. */
  validateInput: InputValidator;
  /** Stops the process-level jobs (retention, registry polling) and closes the store. */
  close(): Promise<void>;
}
