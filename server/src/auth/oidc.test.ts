/**
 * Provider tokens through UserTokens.verify (what the HTTP API and the rooms call), against a
 * provider stand-in that serves a real discovery document and a real JWKS over loopback HTTP
 * (the whole flow with a real provider is test/browser/oidc.browser.test.ts): the checks of
 * issuer, audience, algorithm, key and lifetime, each refusal's sentence, the claim mapping,
 * and discovery that fails or hangs within its bound.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWTPayload } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserTokens } from "./userTokens.ts";
import type { OidcSettings } from "./oidc.ts";
import { ConfigError, loadConfig } from "../config/config.ts";

const SECRET = "a-secret-of-at-least-32-characters-0123";
let server: http.Server;
let issuer: string;
let rsaKey: CryptoKey;
let ecKey: CryptoKey;
/** What the discovery document says the issuer is (a wrong one is a test). */
let advertisedIssuer = () => issuer;
let hang = false;

beforeAll(async () => {
  const rsa = await generateKeyPair("RS256", { extractable: true });
  const ec = await generateKeyPair("ES256", { extractable: true });
  rsaKey = rsa.privateKey;
  ecKey = ec.privateKey;
  const keys = [{ ...(await exportJWK(rsa.publicKey)), kid: "rsa", alg: "RS256", use: "sig" }, { ...(await exportJWK(ec.publicKey)), kid: "ec", alg: "ES256", use: "sig" }];
  server = http.createServer((request, response) => {
    if (hang) return; // never answers
    if (request.url === "/.well-known/openid-configuration") {
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ issuer: advertisedIssuer(), authorization_endpoint: `${issuer}/auth`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks` }));
    } else if (request.url === "/jwks") {
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ keys }));
    } else {
      response.statusCode = 404;
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

function settings(overrides: Partial<OidcSettings> = {}): OidcSettings {
  return {
    issuer, clientId: "baton-dashboard", audience: "baton-dashboard", scopes: "openid profile", providerName: "Lab ID",
    userClaim: "sub", nameClaim: "name", rolesClaim: "", adminValue: "admin", algorithms: ["RS256"], httpTimeoutMs: 1_000, ...overrides,
  };
}

const tokens = (overrides: Partial<OidcSettings> = {}) => new UserTokens(SECRET, { maxLifetimeSeconds: 3600, oidc: settings(overrides) });
const now = () => Math.floor(Date.now() / 1000);

function providerToken(claims: JWTPayload, options: { key?: CryptoKey; alg?: string; kid?: string; iss?: string; aud?: string; lifetime?: number } = {}) {
  return new SignJWT({ name: "Ada Lovelace", ...claims })
    .setProtectedHeader({ alg: options.alg ?? "RS256", kid: options.kid ?? "rsa" })
    .setSubject("ada-sub").setIssuer(options.iss ?? issuer).setAudience(options.aud ?? "baton-dashboard")
    .setIssuedAt(now()).setExpirationTime(now() + (options.lifetime ?? 600))
    .sign(options.key ?? rsaKey);
}

describe("provider tokens", () => {
  it("are accepted with the provider's key, issuer and audience, and mapped by default to sub and name", async () => {
    expect(await tokens().verify(await providerToken({}))).toEqual({ userId: "ada-sub", name: "Ada Lovelace", roles: [] });
  });

  it("are refused from another issuer, for another audience, or beyond the lifetime, each with its sentence", async () => {
    const verifier = tokens();
    expect(await verifier.verify(await providerToken({}, { iss: "https://other.example.com" }))).toEqual({ problem: expect.stringMatching(/issuer \(`iss`\) is not the expected one; this server accepts provider tokens only from "http:\/\/127\.0\.0\.1:\d+" \(BATON_OIDC_ISSUER\)/) });
    expect(await verifier.verify(await providerToken({}, { aud: "another-app" }))).toEqual({ problem: expect.stringMatching(/audience \(`aud`\) is not the expected one; this server accepts only "baton-dashboard" \(/) });
    // With an API audience configured, the dashboard's ID tokens (aud = client id) still pass, and access tokens for the API too.
    const withApi = tokens({ audience: "https://baton.example.com/api" });
    expect(await withApi.verify(await providerToken({}))).toMatchObject({ userId: "ada-sub" });
    expect(await withApi.verify(await providerToken({}, { aud: "https://baton.example.com/api" }))).toMatchObject({ userId: "ada-sub" });
    expect(await withApi.verify(await providerToken({}, { aud: "another-app" }))).toEqual({ problem: expect.stringMatching(/accepts only "baton-dashboard" or "https:\/\/baton\.example\.com\/api"/) });
    expect(await verifier.verify(await providerToken({}, { lifetime: 7200 }))).toEqual({ problem: expect.stringMatching(/more than BATON_JWT_MAX_LIFETIME_S/) });
  });

  it("accept only the configured algorithms, and never an HMAC token against the provider's keys", async () => {
    const ecToken = await providerToken({}, { key: ecKey, alg: "ES256", kid: "ec" });
    expect(await tokens().verify(ecToken)).toEqual({ problem: expect.stringMatching(/signature algorithm is not one this server accepts .*BATON_OIDC_ALGORITHMS/) });
    expect(await tokens({ algorithms: ["RS256", "ES256"] }).verify(ecToken)).toMatchObject({ userId: "ada-sub" });
    // An HS256 token naming the provider goes to Baton's secret, which did not sign it.
    const hmac = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("eve").setIssuer(issuer).setAudience("baton-dashboard").setExpirationTime(now() + 600).sign(new TextEncoder().encode("not-the-secret-not-the-secret-000"));
    expect(await tokens().verify(hmac)).toEqual({ problem: expect.stringMatching(/signature verification failed|not valid/) });
  });

  it("are refused when signed with a key the provider does not publish", async () => {
    const { privateKey } = await generateKeyPair("RS256");
    expect(await tokens().verify(await providerToken({}, { key: privateKey }))).toEqual({ problem: "the token's signature does not verify with the identity provider's key" });
  });

  it("map the configured claims: user id, name, and admin from a nested roles claim or a space-separated one", async () => {
    const mapped = tokens({ userClaim: "email", nameClaim: "preferred_username", rolesClaim: "realm_access.roles", adminValue: "baton-admin" });
    expect(await mapped.verify(await providerToken({ email: "ada@lab.example", preferred_username: "ada", realm_access: { roles: ["user", "baton-admin"] } }))).toEqual({ userId: "ada@lab.example", name: "ada", roles: ["admin"] });
    // A group named "admin" is not Baton's admin when the configured value is another.
    expect(await mapped.verify(await providerToken({ email: "eve@lab.example", realm_access: { roles: ["admin"] } }))).toEqual({ userId: "eve@lab.example", name: "eve@lab.example", roles: [] });
    expect(await tokens({ rolesClaim: "scope", adminValue: "baton:admin" }).verify(await providerToken({ scope: "openid baton:admin" }))).toMatchObject({ roles: ["admin"] });
    expect(await mapped.verify(await providerToken({}))).toEqual({ problem: expect.stringMatching(/no usable `email` claim for the user id \(BATON_OIDC_USER_CLAIM/) });
  });

  it("are refused with a sentence when discovery names another issuer, or the provider does not answer in time", async () => {
    advertisedIssuer = () => "https://impostor.example.com";
    try {
      expect(await tokens().verify(await providerToken({}))).toEqual({ problem: expect.stringMatching(/names the issuer "https:\/\/impostor\.example\.com"/) });
    } finally {
      advertisedIssuer = () => issuer;
    }
    hang = true;
    try {
      const started = Date.now();
      expect(await tokens({ httpTimeoutMs: 300 }).verify(await providerToken({}))).toEqual({ problem: expect.stringMatching(/could not be fetched/) });
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      hang = false;
    }
  });

  it("leave Baton's own HS256 tokens as they were", async () => {
    const verifier = tokens();
    expect(await verifier.verify(await verifier.issue({ userId: "ci-bot", roles: ["admin"] }))).toEqual({ userId: "ci-bot", name: "ci-bot", roles: ["admin"] });
  });
});

describe("BATON_OIDC_* settings", () => {
  const base = { BATON_ENV: "test" };
  it("need a client id with an issuer, an https issuer (http only on loopback), and asymmetric algorithms", () => {
    expect(() => loadConfig({ ...base, BATON_OIDC_ISSUER: "https://id.example.com" })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, BATON_OIDC_ISSUER: "http://id.example.com", BATON_OIDC_CLIENT_ID: "x" })).toThrow(/BATON_OIDC_ISSUER must be the provider's https:\/\/ issuer URL/);
    expect(() => loadConfig({ ...base, BATON_OIDC_ISSUER: "https://id.example.com", BATON_OIDC_CLIENT_ID: "x", BATON_OIDC_ALGORITHMS: "RS256,HS256" })).toThrow(/asymmetric JWS algorithms .*got "HS256"/);
    const config = loadConfig({ ...base, BATON_OIDC_ISSUER: "https://id.example.com/realms/lab", BATON_OIDC_CLIENT_ID: "baton" });
    expect(config.tokens.oidc).toMatchObject({ issuer: "https://id.example.com/realms/lab", audience: "baton", providerName: "id.example.com", userClaim: "sub", nameClaim: "name", algorithms: ["RS256", "PS256", "ES256", "EdDSA"] });
    expect(loadConfig(base).tokens.oidc).toBeUndefined();
  });
});
