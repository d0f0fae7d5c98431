/**
 * Starts a real Baton server for a test file (real HTTP + WebSocket on loopback, started
 * as `npm start` starts it) and hands out what tests need: user tokens, SDK clients,
 * device credentials, and the services (to read stores and events).
 */
import net from "node:net";
// Not `@colyseus/testing`'s index: it imports `@colyseus/tools`, which loads env files.
import { ColyseusTestServer } from "@colyseus/testing/TestServer";
import { Client as SdkClient } from "@colyseus/sdk";
import { loadConfig, type BatonConfig } from "../../server/src/config/config.ts";
import { createServices } from "../../server/src/app.ts";
import { startServer } from "../../server/src/server.ts";
import { InMemoryDeviceRegistry, loadDeviceRegistryFile } from "../../server/src/auth/deviceRegistry.ts";
import { hashDeviceSecret } from "../../server/src/auth/deviceSecrets.ts";
import type { RoomServices } from "../../server/src/rooms/services.ts";
import type { SessionTimers } from "../../server/src/session/index.ts";
import type { LifecycleEvent } from "../../server/src/events/lifecycle.ts";

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

export async function startBaton(overrides: { timers?: Partial<SessionTimers>; config?: Partial<BatonConfig> } = {}): Promise<TestBaton> {
  const base = loadConfig({ BATON_ENV: "test" });
  // Tests send bursts no person would; the rate limit has its own test with its own settings.
  const config: BatonConfig = { ...base, rateLimit: { perSecond: 100_000, burst: 100_000 }, deviceRateLimit: { perSecond: 100_000, burst: 100_000 }, ...overrides.config, timers: { ...base.timers, ...overrides.timers } };
  const devRegistry = await loadDeviceRegistryFile(config.devicesFile);
  const testHash = await hashDeviceSecret(TEST_DEVICE_SECRET);
  const registry = new InMemoryDeviceRegistry([
    ...(await devRegistry.list()),
    ...Array.from({ length: 100 }, (_, index) => ({ deviceId: `test-${index}`, label: "test device", secretHash: testHash })),
  ]);
  const services = await createServices({ config, registry });
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
    },
  };
}
