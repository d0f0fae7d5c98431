/**
 * User tokens must expire, within a bounded lifetime, and — when configured — come from
 * the expected issuer for the expected audience. A token without `exp` would be a password
 * that can never be revoked; a token for another service signed with a shared secret must
 * not open Baton. Checked where tokens are used: the room join (HTTP matchmaking) and
 * `GET /results`, against production server processes, with tokens signed as an identity
 * provider would sign them.
 */
import { SignJWT, decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PRODUCTION_DEVICE, PRODUCTION_JWT_SECRET, spawnProductionServer, spawnServer, stopAllServers, type ServerProcess } from "../support/serverProcess.ts";

const ISSUER = "https://id.example.com";
const AUDIENCE = "baton";
const HOUR = 3600;
const now = () => Math.floor(Date.now() / 1000);

let plain: ServerProcess;
let withIssuer: ServerProcess;
let development: ServerProcess;

beforeAll(async () => {
  const dev = await spawnServer({ BATON_ENV: "development", BATON_JWT_ISSUER: ISSUER, BATON_JWT_AUDIENCE: AUDIENCE, BATON_JWT_MAX_LIFETIME_S: String(HOUR) });
  [plain, withIssuer] = await Promise.all([
    spawnProductionServer(),
    spawnProductionServer({ BATON_JWT_ISSUER: ISSUER, BATON_JWT_AUDIENCE: AUDIENCE }),
    dev.ready(),
  ]);
  development = dev;
}, 60_000);
afterAll(stopAllServers);

interface Claims { exp?: number; iat?: number; iss?: string; aud?: string }

async function sign(claims: Claims): Promise<string> {
  let jwt = new SignJWT({ name: "Alice" }).setProtectedHeader({ alg: "HS256" }).setSubject("alice");
  if (claims.iat !== undefined) jwt = jwt.setIssuedAt(claims.iat);
  if (claims.exp !== undefined) jwt = jwt.setExpirationTime(claims.exp);
  if (claims.iss !== undefined) jwt = jwt.setIssuer(claims.iss);
  if (claims.aud !== undefined) jwt = jwt.setAudience(claims.aud);
  return jwt.sign(new TextEncoder().encode(PRODUCTION_JWT_SECRET));
}

/** The outcome of the same token at both places that take one. */
async function useToken(server: ServerProcess, token: string) {
  const join = await fetch(`${server.httpUrl}/matchmake/joinOrCreate/device`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ deviceId: PRODUCTION_DEVICE.deviceId }),
  });
  const joinBody = await join.json();
  const results = await fetch(`${server.httpUrl}/results`, { headers: { authorization: `Bearer ${token}` } });
  const resultsBody = await results.json();
  return { joinStatus: join.status, joinError: String(joinBody.error ?? ""), resultsStatus: results.status, results: resultsBody };
}

async function expectRefused(server: ServerProcess, token: string, sentence: RegExp) {
  const outcome = await useToken(server, token);
  expect(outcome.joinStatus).toBe(401);
  expect(outcome.joinError).toMatch(/^UNAUTHORIZED: /);
  expect(outcome.joinError).toMatch(sentence);
  expect(outcome.resultsStatus).toBe(401);
  expect(outcome.results.code).toBe("UNAUTHORIZED");
  expect(outcome.results.message).toMatch(sentence);
}

async function expectAccepted(server: ServerProcess, token: string) {
  const outcome = await useToken(server, token);
  expect(outcome, JSON.stringify(outcome)).toMatchObject({ joinStatus: 200, resultsStatus: 200 });
}

describe("lifetime", () => {
  it("accepts a token that expires within the maximum lifetime", async () => {
    await expectAccepted(plain, await sign({ iat: now(), exp: now() + HOUR }));
  });

  it("refuses a token without exp, saying that it must expire", async () => {
    await expectRefused(plain, await sign({ iat: now() }), /no expiry \(`exp`\)/);
    await expectRefused(plain, await sign({}), /no expiry \(`exp`\)/);
  });

  it("refuses a token that expires further ahead than BATON_JWT_MAX_LIFETIME_S (default one day)", async () => {
    await expectRefused(plain, await sign({ exp: now() + 2 * 24 * HOUR }), /BATON_JWT_MAX_LIFETIME_S \(86400 s\)/);
  });

  it("refuses a token issued for longer than the maximum, even close to its end", async () => {
    await expectRefused(plain, await sign({ iat: now() - 30 * 24 * HOUR, exp: now() + HOUR }), /issued for .*BATON_JWT_MAX_LIFETIME_S/);
  });

  it("still refuses an expired token", async () => {
    await expectRefused(plain, await sign({ iat: now() - 2 * HOUR, exp: now() - HOUR }), /expired/);
  });
});

describe("issuer and audience (BATON_JWT_ISSUER, BATON_JWT_AUDIENCE)", () => {
  const exp = () => now() + HOUR;

  it("accepts a token from the configured issuer for the configured audience", async () => {
    await expectAccepted(withIssuer, await sign({ exp: exp(), iss: ISSUER, aud: AUDIENCE }));
  });

  it("refuses a missing or different issuer, naming the expected one", async () => {
    await expectRefused(withIssuer, await sign({ exp: exp(), aud: AUDIENCE }), /issuer \(`iss`\) .*"https:\/\/id\.example\.com"/);
    await expectRefused(withIssuer, await sign({ exp: exp(), iss: "https://other.example.com", aud: AUDIENCE }), /BATON_JWT_ISSUER/);
  });

  it("refuses a missing or different audience, naming the expected one", async () => {
    await expectRefused(withIssuer, await sign({ exp: exp(), iss: ISSUER }), /audience \(`aud`\) .*"baton"/);
    await expectRefused(withIssuer, await sign({ exp: exp(), iss: ISSUER, aud: "billing" }), /BATON_JWT_AUDIENCE/);
  });

  it("development tokens carry the configured issuer and audience and respect the maximum lifetime", async () => {
    const response = await fetch(`${development.httpUrl}/dev/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ userId: "alice" }),
    });
    const { token } = await response.json();
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: ISSUER, aud: AUDIENCE, sub: "alice" });
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(HOUR);
    const results = await fetch(`${development.httpUrl}/results`, { headers: { authorization: `Bearer ${token}` } });
    expect(results.status).toBe(200);
  });
});
