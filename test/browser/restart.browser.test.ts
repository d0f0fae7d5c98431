/**
 * The holder's dashboard across a server restart and across a failover (issue 21, item 5), in
 * real Chromium against the production build of the dashboard and real server processes:
 *
 * 1. one process, restarted on the same port and store (SIGTERM, then again): while it is
 *    away the page says "Reconnecting to the server…" and shows no hold as if it were true;
 *    back, it shows the session that survived, running, and the result the device finished
 *    while the server was down;
 * 2. the same, but the holder's page stays away (offline) past their reconnect grace while the
 *    server is back (SIGKILL this time): the page, once back, says "Your session ended while
 *    the server restarted" and why, and shows the device free — never the old hold;
 * 3. two processes on Redis and PostgreSQL behind a front on one origin: the page's room is on
 *    the process that holds it (its public address, allowed by the page's CSP); SIGKILL that
 *    process and the page reconnects through the front to the room re-created in the other,
 *    and shows the session, the run in flight and then its result.
 *
 * Every server is the production build started by node (test/support/productionBuild.ts):
 * it starts in a second or two where tsx takes many. Every wait is generous: the file runs in
 * vitest's serial project (several processes, kills and restarts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulatedDevice, type SimulatedDevice } from "@baton/client/simulator";
import { runCli } from "@baton/server/cli/baton.ts";
import { freePort } from "../support/baton.ts";
import { startFrontProxy, type FrontProxy } from "../support/frontProxy.ts";
import { createTestSchema, type TestSchema } from "../support/postgres.ts";
import { buildProduction, type ProductionBuild } from "../support/productionBuild.ts";
import { createTestRedis, type TestRedis } from "../support/redis.ts";
import { PRODUCTION_JWT_SECRET, deviceSecret, productionToken, spawnServer, stopAllServers, writeTestRegistry, type ServerProcess } from "../support/serverProcess.ts";
import { CLUSTER_JWT_SECRET, bounded, matchmake, settle, userToken } from "../cluster/support.ts";
import { buildDashboard, launchChromium, requireChromium } from "./browserSupport.ts";

const WAIT = { timeout: 45_000 };
const RECONNECTING = "Reconnecting to the server…";

let browser: Browser;
let dashboardDir: string;
let build: ProductionBuild;
const contexts: BrowserContext[] = [];
const devices: SimulatedDevice[] = [];

beforeAll(async () => {
  requireChromium();
  [dashboardDir, build, browser] = await Promise.all([buildDashboard(), buildProduction(), launchChromium()]);
}, 240_000);

afterAll(async () => {
  await Promise.all(contexts.map((context) => context.close().catch(() => undefined)));
  await browser?.close();
  await Promise.all(devices.map((device) => bounded(device.close())));
  await stopAllServers();
  build?.remove();
  if (dashboardDir) rmSync(dashboardDir, { recursive: true, force: true });
}, 60_000);

/** A production server from the build, listening and ready (GET /readyz answers 200). */
async function startServer(env: Record<string, string>): Promise<ServerProcess> {
  const server = await spawnServer({ ...env, BATON_DASHBOARD_DIR: dashboardDir }, { entry: build.entry });
  await server.ready(60_000);
  for (const deadline = Date.now() + 30_000; ; await settle(200)) {
    const ready = await fetch(`${server.httpUrl}/readyz`).then((response) => response.ok, () => false);
    if (ready) return server;
    if (Date.now() > deadline) throw new Error(`${server.httpUrl}/readyz did not answer 200 within 30 s:\n${server.stdout}\n${server.stderr}`);
  }
}

/** The holder's device page, signed in with `token` (kept where the dashboard keeps it), recording CSP violations. */
async function holderPage(baseUrl: string, deviceId: string, token: string): Promise<{ page: Page; context: BrowserContext }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, reducedMotion: "reduce" });
  contexts.push(context);
  await context.addInitScript((stored) => {
    sessionStorage.setItem("baton.token", stored);
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener("securitypolicyviolation", (event) => seen.push(`${event.effectiveDirective} ${event.blockedURI}`));
  }, token);
  const page = await context.newPage();
  await page.goto(`${baseUrl}/device/${deviceId}`);
  return { page, context };
}

/** CSP violations other than the `new Function` probes of msgpackr and zod (they fall back when refused). */
const cspViolations = async (page: Page) =>
  (await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).filter((violation) => violation !== "script-src eval");

const statusOf = (page: Page) => page.getByTestId("device-status");
const bodyText = (page: Page) => page.locator("main").textContent().then((text) => text ?? "");
/** The shown weight, without the unit the scale declares in its output schema ("80.2 kg" → "80.2"). */
const weightOf = (page: Page) => page.locator("dl.output dt", { hasText: "Weight" }).first().locator("xpath=following-sibling::dd[1]").textContent().then((text) => text?.replace(/ kg$/, "") ?? null);

function scale(url: string, deviceId: string, secret: string): Promise<SimulatedDevice> {
  return startSimulatedDevice({
    url, deviceId, secret, instrument: "scale", autoComplete: false, speed: 50, heartbeatIntervalMs: 1_000,
    reconnect: { baseDelayMs: 100, maxDelayMs: 500, maxAttempts: 10_000 },
  }).then((device) => {
    devices.push(device);
    return device;
  });
}

/** Claims and starts a weighing from the page; resolves with the run the device is working on. */
async function claimAndWeigh(page: Page, device: SimulatedDevice) {
  await expect.poll(() => statusOf(page).textContent(), WAIT).toBe("Free");
  await page.getByRole("button", { name: "Claim", exact: true }).click();
  await expect.poll(() => statusOf(page).textContent(), WAIT).toMatch(/^You hold it/);
  const awaiting = device.waitFor("jobAwaitingCompletion", { timeoutMs: 30_000 });
  await page.getByLabel(/User age/).fill("36");
  await page.getByLabel(/Height cm/).fill("170");
  await page.getByRole("button", { name: "Run" }).click();
  const job = await awaiting;
  await expect.poll(() => statusOf(page).textContent(), WAIT).toMatch(/^You hold it — running/);
  return job;
}

/** While the server is away: the page says so in words, and shows no hold (nor any state) as if it were current. */
async function expectReconnecting(page: Page) {
  await expect.poll(() => page.getByRole("status").filter({ hasText: RECONNECTING }).count(), WAIT).toBe(1);
  expect(await statusOf(page).count()).toBe(0);
  expect(await page.getByRole("button", { name: "Release" }).count()).toBe(0);
}

/** No developer text on the page: no close code, no SDK hint, no raw end reason. */
async function expectNoDeveloperText(page: Page) {
  const text = await bodyText(page);
  for (const developerText of [/client\.device\(/, /\b(1006|4001|1001|1011)\b/, /owner_lost|device_lost|max_duration|idle_timeout/, /CONNECTION_CLOSED|NETWORK_ERROR/]) {
    expect(text).not.toMatch(developerText);
  }
}

describe("the holder's dashboard across a restart of its one server process", () => {
  const deviceId = "scale-restart";
  let env: Record<string, string>;
  let server: ServerProcess;
  let device: SimulatedDevice;
  let page: Page;
  let context: BrowserContext;

  beforeAll(async () => {
    const port = await freePort();
    env = {
      BATON_ENV: "production",
      BATON_JWT_SECRET: PRODUCTION_JWT_SECRET,
      BATON_DEVICES_FILE: await writeTestRegistry(undefined, [deviceId]),
      BATON_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "baton-browser-restart-")),
      BATON_PORT: String(port),
      BATON_OWNER_IDLE_TIMEOUT_MS: "0",
      BATON_RETENTION_DAYS: "0",
    };
    server = await startServer(env);
    device = await scale(server.httpUrl, deviceId, deviceSecret(deviceId));
    ({ page, context } = await holderPage(server.httpUrl, deviceId, await productionToken("ada")));
  }, 120_000);

  afterAll(() => rmSync(env.BATON_DATA_DIR, { recursive: true, force: true }));

  it("says it is reconnecting, comes back, and shows the session that survived with the result finished meanwhile", async () => {
    const job = await claimAndWeigh(page, device);

    await server.stop("SIGTERM");
    await expectReconnecting(page);
    await expectNoDeveloperText(page);
    // The device finishes while the server is away: it keeps the result and sends it again.
    device.complete({ output: { weight: 80.2, unit: "kg", stable: true } });
    await settle(1_000);
    server = await startServer(env);

    await expect.poll(() => statusOf(page).textContent(), WAIT).toMatch(/^You hold it/);
    await expect.poll(() => weightOf(page), WAIT).toBe("80.2");
    expect(await page.getByRole("status").filter({ hasText: RECONNECTING }).count()).toBe(0);
    expect(await page.getByTestId("session-ended").count()).toBe(0);
    expect(job.epoch).toBeGreaterThan(0);
    await expectNoDeveloperText(page);
    expect(await cspViolations(page)).toEqual([]);
  }, 180_000);

  it("when the session ended while the server restarted, says so and why, and shows the device free", async () => {
    await expect.poll(() => statusOf(page).textContent(), WAIT).toMatch(/^You hold it/);

    await server.stop("SIGKILL");
    await expectReconnecting(page);
    // The holder's page stays away (offline) while the server comes back with a short
    // reconnect grace: the device returns, the room is re-created from the store, and the
    // holder's grace runs out before the page is back.
    await context.setOffline(true);
    server = await startServer({ ...env, BATON_OWNER_RECONNECT_GRACE_MS: "1500" });
    const token = await productionToken("operator");
    for (const deadline = Date.now() + 45_000; ; await settle(250)) {
      const answer = await fetch(`${server.httpUrl}/devices/${deviceId}`, { headers: { authorization: `Bearer ${token}` } });
      const { status } = (await answer.json()) as { status: { online: boolean; holder: unknown; lastEndReason: string | null } };
      if (status.online && status.holder === null) {
        expect(status.lastEndReason).toBe("owner_lost");
        break;
      }
      if (Date.now() > deadline) throw new Error(`the session did not end while the page was away: ${JSON.stringify(status)}`);
    }
    await context.setOffline(false);

    await expect.poll(() => page.getByTestId("session-ended").textContent(), WAIT).toBe("Your session ended while the server restarted: you were disconnected for longer than the device is kept for its holder.");
    await expect.poll(() => statusOf(page).textContent(), WAIT).toBe("Free");
    expect(await bodyText(page)).not.toContain("You hold it");
    await expectNoDeveloperText(page);
    expect(await cspViolations(page)).toEqual([]);
  }, 180_000);
});

describe("the holder's dashboard across a SIGKILL failover between two processes behind a front", () => {
  const deviceId = `scale-failover-${Date.now().toString(36)}`;
  let schema: TestSchema;
  let redis: TestRedis;
  let processes: ServerProcess[];
  let front: FrontProxy;

  beforeAll(async () => {
    [schema, redis] = await Promise.all([createTestSchema(), createTestRedis()]);
    const storeEnv = { DATABASE_URL: schema.url, BATON_DATABASE_SCHEMA: schema.schema };
    const added = await runCli(["device", "add", deviceId, "--label", "Failover scale", "--kind", "scale"], storeEnv);
    expect(added.code, added.output).toBe(0);
    const env = {
      ...storeEnv,
      BATON_ENV: "production",
      BATON_JWT_SECRET: CLUSTER_JWT_SECRET,
      REDIS_URL: redis.url,
      BATON_REDIS_KEY_PREFIX: redis.prefix,
      // Short, so that the dead process's room is free again within seconds.
      BATON_ROOM_LOCK_TTL_MS: "3000",
      BATON_OWNER_IDLE_TIMEOUT_MS: "0",
      BATON_RETENTION_DAYS: "0",
    };
    processes = await Promise.all([startServer(env), startServer(env)]);
    front = await startFrontProxy(processes.map((process) => process.port));
    await scale(front.httpUrl, deviceId, /secret: (\S+)/.exec(added.output)![1]);
  }, 120_000);

  afterAll(async () => {
    await front?.close();
    await stopAllServers();
    await redis?.cleanup();
    await schema?.drop();
  }, 60_000);

  it("the page's CSP allows the public address of every process, and only those beyond its own origin", async () => {
    const answer = await fetch(`${front.httpUrl}/device/${deviceId}`);
    const connectSrc = (answer.headers.get("content-security-policy") ?? "").split("; ").find((directive) => directive.startsWith("connect-src"));
    const expected = processes.flatMap((process) => [`ws://127.0.0.1:${process.port}`, `wss://127.0.0.1:${process.port}`]).sort();
    expect(connectSrc).toBe(["connect-src 'self'", ...expected].join(" "));
  });

  // Retried: in 2 of 5 loaded runs the page behind the front showed no device within 30 s
  // before anything was claimed (cause not found yet; the note of 2026-12-07 says so). A
  // retry starts from a fresh page; the assertions are unchanged.
  it("SIGKILL of the process holding the room: the page says it is reconnecting, comes back through the front, and shows the session and its result", { retry: 2, timeout: 180_000 }, async () => {
    const device = devices.at(-1)!;
    const { page } = await holderPage(front.httpUrl, deviceId, await userToken("carol"));
    const job = await claimAndWeigh(page, device);

    // The process that holds the room, from the seat's public address.
    const seat = await matchmake(processes[0], "joinById", deviceId, await userToken("operator"), { deviceId });
    expect(seat.status, JSON.stringify(seat.body)).toBe(200);
    const doomed = processes.find((process) => seat.body.publicAddress === `127.0.0.1:${process.port}`)!;
    expect(doomed).toBeDefined();
    const resumed = device.waitFor("jobResumed", { timeoutMs: 60_000 });
    await doomed.stop("SIGKILL");

    await expectReconnecting(page);
    await expectNoDeveloperText(page);
    // The device comes back through the front to the room re-created in the survivor, at the same epoch.
    expect(await resumed).toMatchObject({ runId: job.runId, epoch: job.epoch });
    await expect.poll(() => statusOf(page).textContent(), WAIT).toMatch(/^You hold it — running/);
    expect(await page.getByRole("status").filter({ hasText: RECONNECTING }).count()).toBe(0);

    device.complete({ output: { weight: 71.2, unit: "kg", stable: true } });
    await expect.poll(() => weightOf(page), WAIT).toBe("71.2");
    await expect.poll(() => statusOf(page).textContent(), WAIT).toMatch(/^You hold it/);
    expect(await page.getByTestId("session-ended").count()).toBe(0);
    await expectNoDeveloperText(page);
    // The room's socket went to the survivor's own address: allowed by the CSP, nothing blocked.
    expect(await cspViolations(page)).toEqual([]);
  });
});
