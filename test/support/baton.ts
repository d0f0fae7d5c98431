/**
 * Starts a real Baton server for a test file (real HTTP + WebSocket on loopback, started
 * as `npm start` starts it) and hands out what tests need: user tokens, SDK clients,
 * device credentials, and the services (to read stores and events).
 *
 * The store is a real SQLite file in a fresh temporary directory (removed at shutdown), or
 * the store a test passes in (e.g. PostgreSQL); the demo devices and `test-0` … `test-99`
 * are registered in it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
// Not `@colyseus/testing`'s index: it imports `@colyseus/tools`, which loads env files.
import { ColyseusTestServer } from "@colyseus/testing/TestServer";
import { Client as SdkClient } from "@colyseus/sdk";
import { loadConfig, type BatonConfig } from "@baton/server/config/config.ts";
import { createServices } from "@baton/server/app.ts";
import { startServer } from "@baton/server/server.ts";
import { hashDeviceSecret } from "@baton/server/auth/deviceSecrets.ts";
import { openSqliteStore } from "@baton/server/adapters/sqlite/sqliteStore.ts";
import type { BatonStore } from "@baton/server/ports/store.ts";
import type { RoomServices } from "@baton/server/rooms/services.ts";
import type { SessionTimers } from "@baton/server/session/index.ts";
import type { LifecycleEvent } from "@baton/server/events/lifecycle.ts";

export const DEV_DEVICES = {
  scale: { deviceId: "scale-1", secret: "dev-secret-scale-1" },
  printer: { deviceId: "printer-1", secret: "dev-secret-printer-1" },
  lab: { deviceId: "lab-1", secret: "dev-secret-lab-1" },
} as const;

/** Test devices `test-0` … `test-99`, all with this secret, so each test can take a fresh device. */
export const TEST_DEVICE_SECRET = "test-device-secret";
let nextTestDevice = 0;
/** A device id no other test in this file has used. */
export function freshDeviceId(): string {
  return `test-${nextTestDevice++}`;
}

export interface TestBaton {
  colyseus: ColyseusTestServer;
  services: RoomServices;
  port: number;
  httpUrl: string;
  /** Every lifecycle event emitted since start, in order. */
  events: LifecycleEvent[];
  tokenFor(userId: string, name?: string, roles?: string[]): Promise<string>;
  /** A fresh SDK client authenticated as `userId`. */
  userClient(userId: string, name?: string): Promise<SdkClient>;
  /** Disconnects every client and room, then stops the server. */
  shutdown(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The scrypt hash of TEST_DEVICE_SECRET, computed once per test file. */
let testHash: Promise<string> | undefined;

/** Registers `test-0` … `test-99` (secret TEST_DEVICE_SECRET) in a store. */
export async function registerTestDevices(store: BatonStore): Promise<void> {
  testHash ??= hashDeviceSecret(TEST_DEVICE_SECRET);
  const secretHash = await testHash;
  for (let index = 0; index < 100; index++) {
    await store.devices.upsertFromImport({ deviceId: `test-${index}`, label: "test device", kind: "test", secretHash, createdAt: Date.now() });
  }
}

export async function startBaton(overrides: { timers?: Partial<SessionTimers>; config?: Partial<BatonConfig>; store?: BatonStore; /** false: only the demo devices (the dashboard's screenshots). */ testDevices?: boolean } = {}): Promise<TestBaton> {
  const base = loadConfig({ BATON_ENV: "test" });
  // Tests send bursts no person would; the rate limit has its own test with its own settings.
  const config: BatonConfig = { ...base, rateLimit: { perSecond: 100_000, burst: 100_000 }, deviceRateLimit: { perSecond: 100_000, burst: 100_000 }, ...overrides.config, timers: { ...base.timers, ...overrides.timers } };
  const dataDir = overrides.store ? null : mkdtempSync(path.join(os.tmpdir(), "baton-test-data-"));
  const store = overrides.store ?? (await openSqliteStore({ dataDir: dataDir! }));
  if (overrides.testDevices !== false) await registerTestDevices(store);
  const services = await createServices({ config, store });
  const events: LifecycleEvent[] = [];
  services.events.on((event) => events.push(event));
  const port = await freePort();
  const colyseus = new ColyseusTestServer(await startServer(services, { port, host: "127.0.0.1", gracefullyShutdown: false }));
  const httpUrl = `http://127.0.0.1:${port}`;
  return {
    colyseus,
    services,
    port,
    httpUrl,
    events,
    tokenFor: (userId, name = userId, roles = []) => services.userTokens.issue({ userId, name, roles }),
    async userClient(userId, name = userId) {
      const client = new SdkClient(httpUrl);
      client.auth.token = await services.userTokens.issue({ userId, name });
      return client;
    },
    async shutdown() {
      await colyseus.cleanup();
      await colyseus.shutdown();
      await services.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
