/**
 * Cross-origin access is configuration (BATON_CORS_ORIGINS), not "whoever asks": Colyseus
 * by default answers every request with the caller's own Origin and
 * `Access-Control-Allow-Credentials: true`, which lets any web page make credentialed calls
 * to the server from a visitor's browser. And no `X-Powered-By` advertises the stack.
 * Real HTTP against real server processes: preflights and POSTs to the matchmaking route,
 * GETs of Baton's own routes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnProductionServer, spawnServer, stopAllServers, type ServerProcess } from "../support/serverProcess.ts";

const EVIL = "https://evil.example";
const APP = "https://app.example";

let production: ServerProcess;
let productionWithList: ServerProcess;
let productionAny: ServerProcess;
let development: ServerProcess;

beforeAll(async () => {
  const dev = await spawnServer({ BATON_ENV: "development" });
  [production, productionWithList, productionAny] = await Promise.all([
    spawnProductionServer(),
    spawnProductionServer({ BATON_CORS_ORIGINS: `${APP}, https://other.example:8443` }),
    spawnProductionServer({ BATON_CORS_ORIGINS: "*" }),
    dev.ready(),
  ]);
  development = dev;
}, 60_000);
afterAll(stopAllServers);

function preflight(server: ServerProcess, origin: string, path = "/matchmake/joinOrCreate/device") {
  return fetch(`${server.httpUrl}${path}`, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
  });
}

function matchmake(server: ServerProcess, origin: string) {
  return fetch(`${server.httpUrl}/matchmake/joinOrCreate/device`, {
    method: "POST",
    headers: { origin, "content-type": "application/json", authorization: "Bearer not-a-token" },
    body: JSON.stringify({ deviceId: "prod-1" }),
  });
}

function health(server: ServerProcess, origin?: string) {
  return fetch(`${server.httpUrl}/health`, { headers: origin ? { origin } : {} });
}

/** No header a browser would take as permission for `origin`. */
function expectNoPermission(response: Response) {
  expect(response.headers.get("access-control-allow-origin")).toBeNull();
  expect(response.headers.get("access-control-allow-credentials")).toBeNull();
}

describe("production, no BATON_CORS_ORIGINS (same origin only)", () => {
  it("gives a foreign origin no CORS permission on preflight, matchmaking or Baton's routes", async () => {
    expectNoPermission(await preflight(production, EVIL));
    const refused = await matchmake(production, EVIL);
    expect(refused.status).toBe(401); // the token is bad; the point is the headers
    expectNoPermission(refused);
    expectNoPermission(await health(production, EVIL));
    expectNoPermission(await preflight(production, EVIL, "/results"));
  });

  it("sends no X-Powered-By", async () => {
    expect((await health(production)).headers.get("x-powered-by")).toBeNull();
    expect((await matchmake(production, EVIL)).headers.get("x-powered-by")).toBeNull();
  });
});

describe("production, BATON_CORS_ORIGINS lists origins", () => {
  it("allows a listed origin (exactly that origin, with credentials for the SDK)", async () => {
    const response = await preflight(productionWithList, APP);
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(APP);
    expect(response.headers.get("access-control-allow-credentials")).toBe("true");
    expect(response.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    expect(response.headers.get("vary")?.toLowerCase()).toContain("origin");
    expect((await matchmake(productionWithList, APP)).headers.get("access-control-allow-origin")).toBe(APP);
    expect((await preflight(productionWithList, "https://other.example:8443")).headers.get("access-control-allow-origin")).toBe("https://other.example:8443");
  });

  it("gives any other origin nothing, and says Vary: Origin so caches keep them apart", async () => {
    for (const origin of [EVIL, "https://app.example.evil.example", "http://app.example", "null"]) {
      const response = await preflight(productionWithList, origin);
      expectNoPermission(response);
      expect(response.headers.get("vary")?.toLowerCase()).toContain("origin");
      expectNoPermission(await matchmake(productionWithList, origin));
    }
  });
});

describe("any origin (BATON_CORS_ORIGINS=*)", () => {
  it("answers with the wildcard and never with credentials", async () => {
    for (const server of [productionAny]) {
      for (const response of [await preflight(server, EVIL), await matchmake(server, EVIL), await health(server, EVIL)]) {
        expect(response.headers.get("access-control-allow-origin")).toBe("*");
        expect(response.headers.get("access-control-allow-credentials")).toBeNull();
      }
    }
  });

  it("gives development no wildcard: another origin gets no permission (issue 18 finding 17)", async () => {
    expectNoPermission(await preflight(development, EVIL));
    expectNoPermission(await health(development, EVIL));
  });

  it("sends no X-Powered-By in development either", async () => {
    expect((await health(development)).headers.get("x-powered-by")).toBeNull();
  });
});
