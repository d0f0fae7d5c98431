/**
 * Everything a device room needs from the process, injected so tests can swap the clock,
 * the stores and the registry. Built once in `app.ts`.
 */
import type { DeviceAuthenticator } from "../auth/deviceAuthenticator.ts";
import type { DeviceRegistry } from "../auth/deviceRegistry.ts";
import type { UserTokens } from "../auth/userTokens.ts";
import type { BatonConfig } from "../config/config.ts";
import type { LifecycleEvents } from "../events/lifecycle.ts";
import type { ResultStore } from "../store/results.ts";
import type { SessionSnapshotStore } from "../store/sessionSnapshots.ts";

export interface RoomServices {
  config: BatonConfig;
  registry: DeviceRegistry;
  deviceAuthenticator: DeviceAuthenticator;
  userTokens: UserTokens;
  results: ResultStore;
  snapshots: SessionSnapshotStore;
  events: LifecycleEvents;
  clock: () => number;
  newRunId: () => string;
}
