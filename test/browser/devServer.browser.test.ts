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
  // The result with its label and unit, as the simulated scale declares them (issue 22).
  await expect.poll(() => page.locator("dl.output").textContent(), WAIT).toMatch(/Weight\d+\.\d kg/);
  await page.getByRole("button", { name: "Release" }).click();
  await expect.poll(() => page.getByTestId("device-status").textContent(), WAIT).toBe("Free");
  await context.close();
}, 90_000);

it("lets a newcomer sign in as an administrator in development mode and open the admin area", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  await page.goto(`${server.httpUrl}/`);
  await page.getByLabel("Your name").fill("Ada Admin");
  await page.getByLabel("Sign in as an administrator").check();
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" }).click();
  await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent(), WAIT).toBe("Admin: devices and pools");
  // The admin API answers this token: the demo devices are listed for management.
  await expect.poll(() => page.locator('li.admin-device[data-device-id="scale-1"]').count(), WAIT).toBe(1);
  await context.close();

  // Without the box, the same form signs in a person who is not an admin: no Admin link.
  const plain = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const person = await plain.newPage();
  await signIn(person, server.httpUrl, "Pat Person");
  expect(await person.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" }).count()).toBe(0);
  await plain.close();
}, 90_000);

it("printed no bundler warning while it started and served the dashboard (issue 22)", () => {
  // Vite's dev middleware logs through the server's stdout/stderr: its dependency optimizer
  // (esbuild) and transforms ran for the pages above, so any warning would be here by now.
  const printed = server.stdout + server.stderr;
  expect(printed).toContain("Baton  —  development mode");
  expect(printed).not.toMatch(/\[vite\]|\(!\)|warning|INVALID_ANNOTATION|esbuild|rollup/i);
});
