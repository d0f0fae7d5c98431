/**
 * Builds the Baton application: the store, services, the device room, and the HTTP routes.
 * `server/src/server.ts` starts it; `colyseus.config.ts` (top level) exports it.
 *
 * Baton deliberately does not use `@colyseus/tools`: importing it loads `/etc/environment`
 * (overriding the process environment) and `.env.<NODE_ENV>` / `.env` files from the
 * working directory, so a stray file could switch a production server into development
 * mode. Configuration comes from the process environment alone (`config/config.ts`).
 */
import { randomUUID } from "node:crypto";
import type http from "node:http";
import type express from "express";
import { defineRoom, type RegisteredHandler, type Transport } from "@colyseus/core";
import { WebSocketTransport } from "@colyseus/ws-transport";
import { DEVICE_ROOM_NAME, POOL_ROOM_NAME } from "@baton/protocol";
import { PoolRoom } from "./rooms/pool/PoolRoom.ts";
import { importDeviceFile, type ImportSummary } from "./auth/deviceRegistry.ts";
import { UserTokens } from "./auth/userTokens.ts";
import { DeviceAuthenticator } from "./auth/deviceAuthenticator.ts";
import { DeviceConnections, RevocationWatcher } from "./auth/revocations.ts";
import { AvailabilityWatcher } from "./rooms/cluster/availabilityWatcher.ts";
import { loadConfig, type BatonConfig } from "./config/config.ts";
import { LifecycleEvents } from "./events/lifecycle.ts";
import { DeviceRoom } from "./rooms/device/DeviceRoom.ts";
import type { RoomServices } from "./rooms/services.ts";
import { colyseusLiveRooms } from "./rooms/operator/liveRooms.ts";
import { createLogger, type Logger } from "./observability/logger.ts";
import { logLifecycle } from "./observability/lifecycleLog.ts";
import { createMetrics, instrumentStore } from "./observability/metrics.ts";
import { startWebhookDispatcher } from "./webhooks/dispatcher.ts";
import { openStore } from "./adapters/openStore.ts";
import type { BatonStore } from "./ports/store.ts";
import { startRetention } from "./store/retention.ts";
import { startBookingSweep } from "./store/bookingSweep.ts";
import { httpRoutes } from "./http/routes.ts";
import { installRequestGuard } from "./http/requestGuard.ts";
import { installMatchmakingPolicy, screenDeviceJoin } from "./rooms/edge/matchmakingPolicy.ts";
import { installCorsPolicy } from "./http/cors.ts";
import { openCluster } from "./cluster.ts";
import { QuotaRenewer } from "./rooms/edge/fairUseGate.ts";
import { validateRunInput } from "./rooms/edge/inputValidation.ts";
import { DeviceRoomLeases } from "./rooms/cluster/deviceRoomLeases.ts";
import { dashboardRoutes } from "./http/dashboard.ts";
import { errorAnswer, notFound } from "./http/fallback.ts";
import { installDevOriginGuard } from "./http/devOrigin.ts";

export interface AppOptions {
  config?: BatonConfig;
  /** An already open store (tests); otherwise the configured one is opened (and migrated). */
  store?: BatonStore;
  clock?: () => number;
  /** A logger writing elsewhere (tests capture the lines); otherwise one from the configuration. */
  logger?: Logger;
}

export interface AppServices extends RoomServices {
  /** What the start-up import of BATON_DEVICES_FILE did, if a file was configured. */
  imported: ImportSummary | null;
}

export async function createServices(options: AppOptions = {}): Promise<AppServices> {
  const resolved = options.config ?? loadConfig();
  const clock = options.clock ?? Date.now;
  const logger = options.logger ?? createLogger(resolved.log);
  const events = new LifecycleEvents(logger);
  const metrics = createMetrics(events);
  const stopLogging = logLifecycle(events, logger);
  const store = instrumentStore(options.store ?? (await openStore(resolved.store)), metrics.storeSeconds);
  // Redis (when configured) before anything starts: a process that cannot join its cluster must not serve.
  const cluster = await openCluster(resolved.cluster, clock).catch(async (error) => {
    await store.close();
    throw error;
  });
  const roomLeases = new DeviceRoomLeases(cluster.roomLock, {
    ttlMs: resolved.cluster.roomLockTtlMs,
    warn: (message, error) => logger.warn({ event: "room_lock.renewal_failed", err: error }, message),
  });
  // Quota slots live as long as room locks: a crashed process's slots free themselves as fast as its devices.
  const quotaRenewer = new QuotaRenewer(cluster.userQuotas, resolved.cluster.roomLockTtlMs, (message, error) => logger.warn({ event: "user_quota.renewal_failed", err: error }, message));
  const imported = resolved.devicesFile ? await importDeviceFile(resolved.devicesFile, store.devices, store.audit, clock()) : null;
  const deviceConnections = new DeviceConnections();
  const watcher = new RevocationWatcher(store.devices, deviceConnections, logger);
  watcher.start(resolved.registryPollMs);
  const availabilityWatcher = new AvailabilityWatcher(store.availability, logger);
  availabilityWatcher.start(resolved.registryPollMs);
  const stopRetention = startRetention(store, resolved.retentionDays, clock, logger);
  const stopBookingSweep = startBookingSweep(store, clock, logger);
  const webhooks = startWebhookDispatcher({ ...resolved.webhooks, outbox: store.outbox, events, logger, clock });
  return {
    config: resolved,
    store,
    registry: store.devices,
    results: store.results,
    deviceStates: store.deviceStates,
    history: store.history,
    audit: store.audit,
    transitions: store.transitions,
    deviceConnections,
    enforceRegistry: () => watcher.check(),
    deviceAuthenticator: new DeviceAuthenticator({ ...resolved.secretChecks, clock, throttleStore: cluster.throttleStore }),
    cluster,
    roomLeases,
    quotaRenewer,
    availabilityWatcher,
    userTokens: new UserTokens(resolved.jwtSecret, resolved.tokens, clock),
    events,
    logger,
    metrics,
    liveRooms: colyseusLiveRooms,
    readiness: { draining: false },
    clock,
    // Short, unique, sortable enough for logs; the device stores it verbatim.
    newRunId: () => `r-${randomUUID().slice(0, 18)}`,
    // The core's input-validation port: JSON schemas the device declared (rooms/edge/inputValidation.ts).
    validateInput: validateRunInput,
    imported,
    async close() {
      watcher.stop();
      roomLeases.stop();
      quotaRenewer.stop();
      availabilityWatcher.stop();
      stopRetention();
      stopBookingSweep();
      stopLogging();
      metrics.close();
      await webhooks.stop();
      await store.close();
      await cluster.close();
    },
  };
}

/**
 * The application in the shape Colyseus' own tooling uses for an app config (so
 * `@colyseus/testing`'s `boot()` would accept it too), typed for what Baton sets.
 */
export interface BatonApp {
  options: { devMode: false; greet: false };
  rooms: Record<string, RegisteredHandler>;
  initializeTransport(options: { server: http.Server }): Transport;
  initializeExpress(app: express.Application): void;
}

export function createAppConfig(services: RoomServices): BatonApp {
  // Colyseus writes CORS headers for every request from process-wide settings; set ours.
  installCorsPolicy(services.config.cors);
  return {
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
      // Installed last, so it runs first: a development server answers only itself (http/devOrigin.ts).
      if (services.config.mode === "development") installDevOriginGuard(transport.server!, services.config.host);
      return transport;
    },
    rooms: {
      [DEVICE_ROOM_NAME]: defineRoom(DeviceRoom.boundTo(services)).filterBy(["deviceId"]),
      // Pools (issue 13): one room per pool, users only (rooms/pool/PoolRoom.ts, matchmakingPolicy.ts).
      [POOL_ROOM_NAME]: defineRoom(PoolRoom.boundTo(services)).filterBy(["pool"]),
    },
    initializeExpress: (app) => {
      // Advertising the framework only helps someone matching exploits to versions.
      app.disable("x-powered-by");
      app.use(httpRoutes(services));
      // After the API: the dashboard answers only its own page paths and assets.
      app.use(dashboardRoutes(services));
      // Whatever is left — an unknown path, an error from any route — answers JSON { code, message }.
      app.use(notFound);
      app.use(errorAnswer(services.logger));
    },
  };
}
