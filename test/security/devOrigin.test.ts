/**
 * Finding 17: `npm run dev` answered any origin (CORS `*`), minted admin tokens at
 * `POST /dev/token` for whoever asked, and read no `Host` — so a page in the developer's
 * browser could mint a token and read the answers, and through DNS rebinding (its own name
 * resolved to 127.0.0.1) register devices and read the audit log. A development server now
 * answers only requests whose `Host` is a loopback name or address and, when a browser says
 * where it comes from, whose `Origin` is the server's own (the dashboard's); it sends no
 * CORS permission to other origins. Real HTTP and a real WebSocket upgrade against a real
 * development server process.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnServer, stopAllServers, type ServerProcess } from "../support/serverProcess.ts";
import { request } from "./support.ts";

const EVIL = "http://evil.example";
let dev: ServerProcess;
const dataDir = mkdtempSync(path.join(os.tmpdir(), "baton-dev-origin-"));

beforeAll(async () => {
  dev = await spawnServer({ BATON_ENV: "development", BATON_DATA_DIR: dataDir });
  await dev.ready();
}, 60_000);
afterAll(async () => {
  await stopAllServers();
  rmSync(dataDir, { recursive: true, force: true });
});

const JSON_BODY = JSON.stringify({ userId: "mallory", roles: ["admin"] });
const mint = (headers: Record<string, string>) => request(dev.httpUrl, "POST", "/dev/token", JSON_BODY, { headers: { "content-type": "application/json", ...headers } });

describe("development mode answers only its own origin on a loopback Host", () => {
  it("mints tokens for the server's own origin and for tools that send no Origin", async () => {
    const ownHost = `127.0.0.1:${dev.port}`;
    const cases: Record<string, string>[] = [{}, { host: ownHost, origin: `http://${ownHost}` }, { host: `localhost:${dev.port}`, origin: `http://localhost:${dev.port}` }, { host: `[::1]:${dev.port}` }];
    for (const headers of cases) {
      const answer = await mint(headers);
      expect(answer.status, JSON.stringify(headers)).toBe(200);
      expect(answer.body.token).toEqual(expect.any(String));
    }
  });

  it("refuses a rebound Host (DNS rebinding): no token, no audit log, no matchmaking", async () => {
    const rebound = { host: `evil.example:${dev.port}`, origin: `http://evil.example:${dev.port}` };
    const minted = await mint(rebound);
    expect(minted.status).toBe(403);
    expect(minted.body).toMatchObject({ code: "FORBIDDEN" });
    expect(minted.body.message).toMatch(/Host/);
    expect(minted.text).not.toContain("token\":\"ey");

    const admin = (await mint({})).body.token as string;
    const audit = await request(dev.httpUrl, "GET", "/admin/audit", undefined, { token: admin, headers: { host: `evil.example:${dev.port}` } });
    expect(audit.status).toBe(403);
    const register = await request(dev.httpUrl, "POST", "/admin/devices", JSON.stringify({ deviceId: "rebound-1", label: "x", kind: "scale" }), { token: admin, headers: { host: `evil.example:${dev.port}`, "content-type": "application/json" } });
    expect(register.status).toBe(403);
    const join = await request(dev.httpUrl, "POST", "/matchmake/joinOrCreate/device", JSON.stringify({ deviceId: "scale-1" }), { token: admin, headers: { host: `evil.example:${dev.port}`, "content-type": "application/json" } });
    expect(join.status).toBe(403);
  });

  it("refuses another origin's requests and grants it no CORS permission", async () => {
    const minted = await mint({ origin: EVIL });
    expect(minted.status).toBe(403);
    expect(minted.body).toMatchObject({ code: "FORBIDDEN" });
    const preflight = await fetch(`${dev.httpUrl}/dev/token`, { method: "OPTIONS", headers: { origin: EVIL, "access-control-request-method": "POST", "access-control-request-headers": "content-type" } });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    const health = await fetch(`${dev.httpUrl}/health`, { headers: { origin: EVIL } });
    expect(health.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("refuses a WebSocket upgrade on a rebound Host or from another origin", async () => {
    const cases: Record<string, string>[] = [{ host: `evil.example:${dev.port}` }, { origin: EVIL }];
    for (const headers of cases) {
      const status = await new Promise<number>((resolve) => {
        const socket = new WebSocket(`ws://127.0.0.1:${dev.port}/any/room?sessionId=x`, { headers });
        socket.on("unexpected-response", (_request, response) => resolve(response.statusCode ?? 0));
        socket.on("error", () => resolve(-1));
        socket.on("open", () => resolve(101));
      });
      expect(status, JSON.stringify(headers)).toBe(403);
    }
  });
});
