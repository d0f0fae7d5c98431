/**
 * The README's promise, tried as a new user would: `npm run dev` (the server process as it
 * starts it, development mode, no build) serves the dashboard at / from source through
 * Vite's dev middleware, and a person with a simulated scale signs in with a name, claims
 * the scale and weighs — in real Chromium. Also: the page and its entry module over plain
 * HTTP, and the API beside them untouched.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startSimulatedDevice, type SimulatedDevice } from "@baton/client/simulator";
import { DEV_DEVICES } from "../support/baton.ts";
import { spawnServer, stopAllServers, type ServerProcess } from "../support/serverProcess.ts";
import { launchChromium, requireChromium, signIn } from "./browserSupport.ts";

const WAIT = { timeout: 30_000 };
const root = path.resolve(fileURLToPath(new URL("../..", import.meta.url)));
const dataDir = mkdtempSync(path.join(os.tmpdir(), "baton-dashboard-dev-"));
let server: ServerProcess;
let browser: Browser;
let scale: SimulatedDevice;

beforeAll(async () => {
  requireChromium();
  [server, browser] = await Promise.all([spawnServer({ BATON_ENV: "development", BATON_DATA_DIR: dataDir }), launchChromium()]);
  await server.ready();
  scale = await startSimulatedDevice({ url: server.httpUrl, ...DEV_DEVICES.scale, instrument: "scale", heartbeatIntervalMs: 0 });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await scale?.close();
  await stopAllServers();
  rmSync(dataDir, { recursive: true, force: true });
});

it("serves the page from source, beside the API", async () => {
  const page = await fetch(`${server.httpUrl}/`, { headers: { accept: "text/html" } });
  expect(page.status).toBe(200);
  const html = await page.text();
  // Vite's dev client and the source entry point, not a build.
  expect(html).toContain("/@vite/client");
  expect(html).toContain('src="/src/main.tsx"');
  expect(page.headers.get("x-frame-options")).toBe("DENY");
  const entry = await fetch(`${server.httpUrl}/src/main.tsx`);
  expect(entry.status).toBe(200);
  expect(entry.headers.get("content-type")).toMatch(/javascript/);
  expect(await (await fetch(`${server.httpUrl}/device/scale-1`)).text()).toContain("/src/main.tsx");
  expect((await fetch(`${server.httpUrl}/devices`)).status).toBe(401);
  // Vite serves the page's sources, not the rest of the repository (the store, config).
  for (const outside of ["config/devices.dev.json", "package.json", "server/src/config/config.ts"]) {
    const response = await fetch(`${server.httpUrl}/@fs${path.join(root, outside)}`);
    expect(response.status, outside).not.toBe(200);
  }
}, 60_000);

it("lets a person sign in with a name, claim the simulated scale and weigh", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  await signIn(page, server.httpUrl, "Grace Hopper");
  await page.getByRole("link", { name: "Clinic scale (demo)" }).click();
  await expect.poll(() => page.getByTestId("device-status").textContent(), WAIT).toBe("Free");
  await page.getByRole("button", { name: "Claim", exact: true }).click();
  await expect.poll(() => page.getByTestId("device-status").textContent(), WAIT).toMatch(/^You hold it/);
  await page.getByLabel(/User age/).fill("40");
  await page.getByRole("button", { name: "Run" }).click();
  await expect.poll(() => page.locator("dl.output").textContent(), WAIT).toMatch(/weight\d/);
  await page.getByRole("button", { name: "Release" }).click();
  await expect.poll(() => page.getByTestId("device-status").textContent(), WAIT).toBe("Free");
  await context.close();
}, 90_000);
