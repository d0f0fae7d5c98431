/**
 * Builds the Baton application: services, the device room, and the HTTP routes, as a
 * `@colyseus/tools` config. `colyseus.config.ts` (top level) and the tests both use it.
 */
import { randomUUID } from "node:crypto";
import config from "@colyseus/tools";
import { defineRoom } from "@colyseus/core";
import { WebSocketTransport } from "@colyseus/ws-transport";
import { DEVICE_ROOM_NAME } from "../../shared/protocol.ts";
import { loadDeviceRegistryFile, type DeviceRegistry } from "./auth/deviceRegistry.ts";
import { UserTokens } from "./auth/userTokens.ts";
import { DeviceAuthenticator } from "./auth/deviceAuthenticator.ts";
import { loadConfig, type BatonConfig } from "./config/config.ts";
import { LifecycleEvents } from "./events/lifecycle.ts";
import { createDeviceRoom } from "./rooms/DeviceRoom.ts";
import type { RoomServices } from "./rooms/services.ts";
import { InMemoryResultStore } from "./store/results.ts";
import { InMemorySessionSnapshots } from "./store/sessionSnapshots.ts";
import { httpRoutes } from "./http/routes.ts";
import { installRequestGuard } from "./http/requestGuard.ts";
import { installMatchmakingPolicy, screenDeviceJoin } from "./rooms/matchmakingPolicy.ts";

export interface AppOptions {
  config?: BatonConfig;
  registry?: DeviceRegistry;
  clock?: () => number;
}

export async function createServices(options: AppOptions = {}): Promise<RoomServices> {
  const resolved = options.config ?? loadConfig();
  return {
    config: resolved,
    registry: options.registry ?? (await loadDeviceRegistryFile(resolved.devicesFile)),
    deviceAuthenticator: new DeviceAuthenticator({ ...resolved.secretChecks, clock: options.clock ?? Date.now }),
    userTokens: new UserTokens(resolved.jwtSecret),
    results: new InMemoryResultStore(),
    snapshots: new InMemorySessionSnapshots(),
    events: new LifecycleEvents(),
    clock: options.clock ?? Date.now,
    // Short, unique, sortable enough for logs; the device stores it verbatim.
    newRunId: () => `r-${randomUUID().slice(0, 18)}`,
  };
}

export function createAppConfig(services: RoomServices) {
  const DeviceRoom = createDeviceRoom(services);
  return config({
    options: { devMode: false, greet: false },
    initializeTransport: (transportOptions) => {
      installMatchmakingPolicy();
      const transport = new WebSocketTransport({
        ...transportOptions,
        // Oversized frames are refused by ws itself (close 1009) before any parsing happens.
        maxPayload: services.config.maxPayloadBytes,
        // Liveness in seconds: a peer that misses two pings in a row is dropped.
        pingInterval: services.config.pingIntervalMs,
        pingMaxRetries: 2,
      });
      installRequestGuard(transport.server!, {
        maxMatchmakeBodyBytes: services.config.maxMatchmakeBodyBytes,
        trustProxy: services.config.trustProxy,
        screen: ({ source, token, body }) => screenDeviceJoin(services.deviceAuthenticator, source, token, body),
      });
      return transport;
    },
    rooms: {
      [DEVICE_ROOM_NAME]: defineRoom(DeviceRoom).filterBy(["deviceId"]),
    },
    initializeExpress: (app) => {
      app.use(httpRoutes(services));
    },
  });
}
