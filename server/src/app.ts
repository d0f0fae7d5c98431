/**
 * Builds the Baton application: the store, services, the device room, and the HTTP routes,
 * as a `@colyseus/tools` config. `colyseus.config.ts` (top level) and the tests both use it.
 */
import { randomUUID } from "node:crypto";
import config from "@colyseus/tools";
import { defineRoom } from "@colyseus/core";
import { WebSocketTransport } from "@colyseus/ws-transport";
import { DEVICE_ROOM_NAME } from "../../shared/protocol.ts";
import { importDeviceFile, type ImportSummary } from "./auth/deviceRegistry.ts";
import { UserTokens } from "./auth/userTokens.ts";
import { DeviceAuthenticator } from "./auth/deviceAuthenticator.ts";
import { DeviceConnections, RevocationWatcher } from "./auth/revocations.ts";
import { loadConfig, type BatonConfig } from "./config/config.ts";
import { LifecycleEvents } from "./events/lifecycle.ts";
import { createDeviceRoom } from "./rooms/DeviceRoom.ts";
import type { RoomServices } from "./rooms/services.ts";
import { openStore } from "./adapters/openStore.ts";
import type { BatonStore } from "./ports/store.ts";
import { startRetention } from "./store/retention.ts";
import { httpRoutes } from "./http/routes.ts";

export interface AppOptions {
  config?: BatonConfig;
  /** An already open store (tests); otherwise the configured one is opened (and migrated). */
  store?: BatonStore;
  clock?: () => number;
}

export interface AppServices extends RoomServices {
  /** What the start-up import of BATON_DEVICES_FILE did, if a file was configured. */
  imported: ImportSummary | null;
}

export async function createServices(options: AppOptions = {}): Promise<AppServices> {
  const resolved = options.config ?? loadConfig();
  const clock = options.clock ?? Date.now;
  const store = options.store ?? (await openStore(resolved.store));
  const imported = resolved.devicesFile ? await importDeviceFile(resolved.devicesFile, store.devices, store.audit, clock()) : null;
  const deviceConnections = new DeviceConnections();
  const watcher = new RevocationWatcher(store.devices, deviceConnections);
  watcher.start(resolved.registryPollMs);
  const stopRetention = startRetention(store, resolved.retentionDays, clock);
  return {
    config: resolved,
    store,
    registry: store.devices,
    results: store.results,
    deviceStates: store.deviceStates,
    history: store.history,
    audit: store.audit,
    deviceConnections,
    deviceAuthenticator: new DeviceAuthenticator({ maxFailures: 10, failureWindowMs: 60_000, clock }),
    userTokens: new UserTokens(resolved.jwtSecret),
    events: new LifecycleEvents(),
    clock,
    // Short, unique, sortable enough for logs; the device stores it verbatim.
    newRunId: () => `r-${randomUUID().slice(0, 18)}`,
    imported,
    async close() {
      watcher.stop();
      stopRetention();
      await store.close();
    },
  };
}

export function createAppConfig(services: RoomServices) {
  const DeviceRoom = createDeviceRoom(services);
  return config({
    options: { devMode: false, greet: false },
    initializeTransport: (transportOptions) => new WebSocketTransport({
      ...transportOptions,
      // Oversized frames are refused by ws itself (close 1009) before any parsing happens.
      maxPayload: services.config.maxPayloadBytes,
      // Liveness in seconds: a peer that misses two pings in a row is dropped.
      pingInterval: services.config.pingIntervalMs,
      pingMaxRetries: 2,
    }),
    rooms: {
      [DEVICE_ROOM_NAME]: defineRoom(DeviceRoom).filterBy(["deviceId"]),
    },
    initializeExpress: (app) => {
      app.use(httpRoutes(services));
    },
  });
}
