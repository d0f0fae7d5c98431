/**
 * The dashboard route (server/src/http/dashboard.ts) over real HTTP, with a stand-in build in
 * a temporary directory: the page at its own paths only, with its security headers; hashed
 * assets cached for good; every API path still answered by the API (no fallback shadows it);
 * a missing build answered with the command that makes it. The real build in real Chromium
 * is test/browser/dashboard.browser.test.ts.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBaton, type TestBaton } from "../support/baton.ts";

const PAGE = '<!doctype html><html lang="en"><head><title>Baton</title></head><body><div id="root"></div><script type="module" src="/assets/index-abc123.js"></script></body></html>';
const PAGE_MARKER = '<div id="root">';

let baton: TestBaton;
let buildDir: string;
beforeAll(async () => {
  buildDir = mkdtempSync(path.join(os.tmpdir(), "baton-dashboard-build-"));
  mkdirSync(path.join(buildDir, "assets"));
  writeFileSync(path.join(buildDir, "index.html"), PAGE);
  writeFileSync(path.join(buildDir, "assets/index-abc123.js"), "console.log('dashboard');\n");
  baton = await startBaton({ config: { dashboardDir: buildDir } });
});
afterAll(async () => {
  await baton.shutdown();
  rmSync(buildDir, { recursive: true, force: true });
});

const get = (pathname: string, headers: Record<string, string> = {}) => fetch(`${baton.httpUrl}${pathname}`, { headers });

describe("the dashboard route", () => {
  it("answers its page paths with the page, revalidated on every load, under a strict CSP", async () => {
    for (const pathname of ["/", "/sign-in", "/history", "/device/scale-1"]) {
      const response = await get(pathname, { accept: "text/html" });
      expect(response.status, pathname).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      expect(await response.text()).toBe(PAGE);
      expect(response.headers.get("cache-control")).toBe("no-cache");
      const csp = response.headers.get("content-security-policy") ?? "";
      for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"]) {
        expect(csp, pathname).toContain(directive);
      }
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("x-frame-options")).toBe("DENY");
      expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    }
  });

  it("caches hashed assets for a year as immutable", async () => {
    const response = await get("/assets/index-abc123.js");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/javascript/);
    expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect((await get("/assets/missing-000.js")).status).toBe(404);
  });

  it("shadows no API, health or matchmaking path, whatever the Accept header", async () => {
    const html = { accept: "text/html,application/xhtml+xml" };
    const devices = await get("/devices", html);
    expect(devices.status).toBe(401);
    expect(await devices.json()).toMatchObject({ code: "UNAUTHORIZED" });
    const token = await baton.tokenFor("ada");
    const unknownDevice = await get("/devices/no-such-device", { ...html, authorization: `Bearer ${token}` });
    expect(unknownDevice.status).toBe(404);
    expect(await unknownDevice.json()).toMatchObject({ code: "UNKNOWN_DEVICE" });
    expect(await (await get("/healthz", html)).json()).toMatchObject({ status: "ok" });
    expect((await (await get("/openapi.json", html)).json()).openapi).toBe("3.1.0");
    expect((await get("/me/sessions", html)).status).toBe(401);
    // Paths that are neither API nor a page get a 404, never the page.
    for (const pathname of ["/devices/scale-1/nothing", "/device/scale-1/extra", "/admin", "/index.html.bak", "/matchmake/joinOrCreate/device"]) {
      const response = await get(pathname, html);
      expect(response.status, pathname).toBe(404);
      expect(await response.text(), pathname).not.toContain(PAGE_MARKER);
    }
    const join = await fetch(`${baton.httpUrl}/matchmake/joinOrCreate/device`, { method: "POST", headers: { "content-type": "application/json", accept: "text/html" }, body: JSON.stringify({ deviceId: "scale-1" }) });
    expect(join.status).not.toBe(200);
    expect(await join.text()).not.toContain(PAGE_MARKER);
  });

  it("says how to build the dashboard when there is no build", async () => {
    rmSync(path.join(buildDir, "index.html"));
    const response = await get("/");
    expect(response.status).toBe(503);
    expect(await response.text()).toContain("The dashboard has not been built yet. Run `npm run build:web`");
    writeFileSync(path.join(buildDir, "index.html"), PAGE);
  });
});
