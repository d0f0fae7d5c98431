/**
 * `npm run dev` serves the dashboard at / from its source (Vite's dev middleware inside the
 * Baton server, server/src/http/dashboard.ts): the server process as `npm run dev` starts
 * it, the page and its entry module over HTTP, and the API beside them untouched.
 */
import { afterAll, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnServer, stopAllServers } from "../support/serverProcess.ts";

const dataDir = mkdtempSync(path.join(os.tmpdir(), "baton-dashboard-dev-"));
afterAll(async () => {
  await stopAllServers();
  rmSync(dataDir, { recursive: true, force: true });
});

it("serves the dashboard from source in development, beside the API", async () => {
  const server = await spawnServer({ BATON_ENV: "development", BATON_DATA_DIR: dataDir });
  await server.ready();
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
  expect(await entry.text()).toContain("createRoot");
  // The device page path is the page too; the API still answers as the API.
  expect(await (await fetch(`${server.httpUrl}/device/scale-1`)).text()).toContain("/src/main.tsx");
  expect((await fetch(`${server.httpUrl}/devices`)).status).toBe(401);
  expect((await fetch(`${server.httpUrl}/dev/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ userId: "ada" }) })).status).toBe(200);
}, 60_000);
