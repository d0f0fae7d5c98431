/**
 * OpenID Connect sign-in, end to end (issue 22): a real provider (oidc-provider, on a free
 * loopback port, test/support/oidcProvider.ts), Baton started as an operator starts it in
 * production with BATON_OIDC_* pointing at it, and the dashboard's production build in real
 * Chromium under its CSP.
 * - Ada clicks "Sign in with Lab ID", signs in on the provider's page, consents, and lands
 *   on the device list signed in under the name the provider gave; her ID token is accepted
 *   by the HTTP API and the room join, and is not an admin's.
 * - Rita, in the provider's "baton-admins" group (BATON_OIDC_ROLES_CLAIM=groups), is shown as
 *   an admin and may read the audit log. Signing out ends her session at the provider: the next sign-in
 *   asks for a login again (shared computers).
 * - A planted code and state (login CSRF) sign nobody in; a provider's error is said in words.
 * - A token from another issuer, and one naming the right issuer but signed with another
 *   key, are refused by the HTTP API with a sentence; a token from `npm run baton -- token`
 *   (the configured secret) is accepted beside the provider's.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { SignJWT, generateKeyPair } from "jose";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/baton.ts";
import { OIDC_CLIENT_ID, startOidcProvider, type TestOidcProvider } from "../support/oidcProvider.ts";
import { PRODUCTION_DEVICE, PRODUCTION_JWT_SECRET, spawnProductionServer, stopAllServers, type ServerProcess } from "../support/serverProcess.ts";
import { buildDashboard, expectNoSeriousAxeViolations, launchChromium, requireChromium } from "./browserSupport.ts";

const WAIT = { timeout: 20_000 };
const TEST_TIMEOUT = 90_000;
const PROVIDER_NAME = "Lab ID";
const root = fileURLToPath(new URL("../..", import.meta.url));

let provider: TestOidcProvider;
let baton: ServerProcess;
let browser: Browser;
let dashboardDir: string;
let dataDir: string;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  requireChromium();
  [dashboardDir, browser] = await Promise.all([buildDashboard(), launchChromium()]);
  const [providerPort, batonPort] = [await freePort(), await freePort()];
  provider = await startOidcProvider({
    port: providerPort,
    dashboardOrigin: `http://127.0.0.1:${batonPort}`,
    redirectUris: [`http://127.0.0.1:${batonPort}/sign-in`],
    people: {
      ada: { name: "Ada Lovelace", groups: ["lab-users"] },
      rita: { name: "Rita Root", groups: ["lab-users", "baton-admins"] },
    },
  });
  dataDir = mkdtempSync(path.join(os.tmpdir(), "baton-oidc-"));
  baton = await spawnProductionServer({
    BATON_PORT: String(batonPort),
    BATON_DATA_DIR: dataDir,
    BATON_DASHBOARD_DIR: dashboardDir,
    BATON_OIDC_ISSUER: provider.issuer,
    BATON_OIDC_CLIENT_ID: OIDC_CLIENT_ID,
    BATON_OIDC_PROVIDER_NAME: PROVIDER_NAME,
    BATON_OIDC_SCOPES: "openid profile",
    BATON_OIDC_ROLES_CLAIM: "groups",
    BATON_OIDC_ADMIN_VALUE: "baton-admins",
  });
}, 180_000);

afterAll(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await browser?.close();
  await stopAllServers();
  await provider?.stop();
  for (const directory of [dashboardDir, dataDir]) if (directory) rmSync(directory, { recursive: true, force: true });
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, reducedMotion: "reduce" });
  contexts.push(context);
  await context.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener("securitypolicyviolation", (event) => seen.push(`${event.effectiveDirective} ${event.blockedURI}`));
  });
  return context.newPage();
}

/** A person signs in through the provider's own pages, as they would. */
async function signInThroughProvider(page: Page, login: string, options: { axe?: boolean } = {}): Promise<void> {
  await page.goto(`${baton.httpUrl}/`);
  const button = page.getByRole("button", { name: `Sign in with ${PROVIDER_NAME}` });
  await button.waitFor(WAIT);
  if (options.axe) {
    await expectNoSeriousAxeViolations(page, "the sign-in page with a provider");
    // A production server offers no name sign-in; the provider and a pasted token remain.
    expect(await page.getByLabel("Your name").count()).toBe(0);
    expect(await page.getByLabel("Sign in as an administrator").count()).toBe(0);
    expect(await page.getByLabel("Token").count()).toBe(1);
  }
  await button.click();
  // The provider's development login form, on the provider's origin.
  await page.waitForURL((url) => url.origin === provider.issuer, WAIT);
  await page.getByPlaceholder("Enter any login").fill(login);
  await page.getByPlaceholder("and password").fill("any password");
  await page.getByRole("button", { name: "Sign-in" }).click();
  // Its consent page, then back to the dashboard.
  await page.getByRole("button", { name: "Continue" }).click(WAIT);
  await page.waitForURL((url) => url.origin === baton.httpUrl, WAIT);
  await page.getByRole("heading", { level: 1, name: "Devices", exact: true }).waitFor(WAIT);
}

const tokenOf = (page: Page) => page.evaluate(() => sessionStorage.getItem("baton.token") ?? "");
const cspViolations = async (page: Page) =>
  (await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).filter((violation) => violation !== "script-src eval");

async function api(pathname: string, token: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${baton.httpUrl}${pathname}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: await response.json() };
}

async function join(token: string): Promise<number> {
  const response = await fetch(`${baton.httpUrl}/matchmake/joinOrCreate/device`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ deviceId: PRODUCTION_DEVICE.deviceId }),
  });
  return response.status;
}

describe("sign-in through the organisation's OpenID Connect provider", () => {
  it("signs Ada in through the provider's pages and shows the device list under the provider's name for her", async () => {
    const page = await newPage();
    await signInThroughProvider(page, "ada", { axe: true });
    expect(new URL(page.url()).pathname).toBe("/");
    expect(await page.getByText("Signed in as").textContent()).toBe("Signed in as Ada Lovelace");
    // The code and state are gone from the address bar and the pending sign-in from storage.
    expect(new URL(page.url()).search).toBe("");
    expect(await page.evaluate(() => sessionStorage.getItem("baton.oidc.pending"))).toBeNull();
    expect(await cspViolations(page)).toEqual([]);

    // Her ID token is her Baton token: the API and the rooms take it, mapped as configured.
    const token = await tokenOf(page);
    expect(JSON.parse(Buffer.from(token.split(".")[0], "base64url").toString())).toMatchObject({ alg: "RS256" });
    expect(await api("/auth/me", token)).toEqual({ status: 200, body: { userId: "ada", name: "Ada Lovelace", roles: [] } });
    expect((await api("/results", token)).status).toBe(200);
    expect(await join(token)).toBe(200);
    expect((await api("/admin/audit", token)).status).toBe(403);
  }, TEST_TIMEOUT);

  it("shows Rita, in the provider's admin group, as an admin, and lets her read the audit log", async () => {
    const page = await newPage();
    await signInThroughProvider(page, "rita");
    await expect.poll(() => page.getByText("Signed in as").textContent(), WAIT).toBe("Signed in as Rita Root (admin)");
    const token = await tokenOf(page);
    expect((await api("/auth/me", token)).body).toEqual({ userId: "rita", name: "Rita Root", roles: ["admin"] });
    expect((await api("/admin/audit", token)).status).toBe(200);
    // After a reload the page still knows her as the server mapped her.
    await page.reload();
    await expect.poll(() => page.getByText("Signed in as").textContent(), WAIT).toBe("Signed in as Rita Root (admin)");

    // Signing out ends her session at the provider too (a shared computer): the next
    // "Sign in with Lab ID" asks for a login again instead of signing her straight back in.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL((url) => url.origin === provider.issuer, WAIT);
    await page.getByRole("button", { name: "Yes, sign me out" }).click();
    await page.waitForURL((url) => url.origin === baton.httpUrl && url.pathname === "/sign-in", WAIT);
    expect(await page.evaluate(() => sessionStorage.getItem("baton.token"))).toBeNull();
    await page.getByRole("button", { name: `Sign in with ${PROVIDER_NAME}` }).click();
    await page.getByPlaceholder("Enter any login").waitFor(WAIT);
  }, TEST_TIMEOUT);

  it("refuses an answer that does not belong to the sign-in this tab started (login CSRF), and one the provider refused", async () => {
    const page = await newPage();
    await page.goto(`${baton.httpUrl}/`);
    await page.getByRole("button", { name: `Sign in with ${PROVIDER_NAME}` }).click();
    await page.waitForURL((url) => url.origin === provider.issuer, WAIT);
    // Someone else's code and state, planted through a link: nothing is exchanged, nobody is signed in.
    await page.goto(`${baton.httpUrl}/sign-in?code=planted-code&state=planted-state`);
    await expect.poll(() => page.getByRole("alert").textContent(), WAIT).toMatch(/does not belong to this sign-in/);
    expect(new URL(page.url()).search).toBe("");
    expect(await tokenOf(page)).toBe("");

    // The provider answers with an error (the person cancelled): said in words.
    const authorizationRequest = page.waitForRequest((request) => request.url().startsWith(`${provider.issuer}/auth?`), WAIT);
    await page.getByRole("button", { name: `Sign in with ${PROVIDER_NAME}` }).click();
    const asked = new URL((await authorizationRequest).url()).searchParams;
    expect(Object.fromEntries(asked)).toMatchObject({ response_type: "code", client_id: OIDC_CLIENT_ID, code_challenge_method: "S256", redirect_uri: `${baton.httpUrl}/sign-in` });
    const state = asked.get("state")!;
    await page.goto(`${baton.httpUrl}/sign-in?error=access_denied&error_description=${encodeURIComponent("The person cancelled")}&state=${state}&iss=${encodeURIComponent(provider.issuer)}`);
    await expect.poll(() => page.getByRole("alert").textContent(), WAIT).toBe(`${PROVIDER_NAME} did not sign you in: The person cancelled.`);
    expect(await tokenOf(page)).toBe("");
  }, TEST_TIMEOUT);

  it("allows the page to connect to the provider in its CSP, and nothing else beyond its own origin", async () => {
    const response = await fetch(`${baton.httpUrl}/`);
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain(`connect-src 'self' ${provider.issuer}`);
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(await (await fetch(`${baton.httpUrl}/auth/config`)).json()).toMatchObject({
      devSignIn: false,
      oidc: { issuer: provider.issuer, clientId: OIDC_CLIENT_ID, providerName: PROVIDER_NAME, authorizationEndpoint: `${provider.issuer}/auth`, tokenEndpoint: `${provider.issuer}/token` },
    });
  });

  it("refuses a token from another issuer, and one signed with a key that is not the provider's", async () => {
    const { privateKey } = await generateKeyPair("RS256");
    const now = Math.floor(Date.now() / 1000);
    const sign = (issuer: string) => new SignJWT({ name: "Mallory", groups: ["baton-admins"] })
      .setProtectedHeader({ alg: "RS256", kid: "test-signing-key" })
      .setSubject("mallory").setIssuer(issuer).setAudience(OIDC_CLIENT_ID).setIssuedAt(now).setExpirationTime(now + 600)
      .sign(privateKey);

    // (Its signature fails first; the issuer check alone is server/src/auth/oidc.test.ts.)
    const foreign = await api("/results", await sign("http://127.0.0.1:1/other-provider"));
    expect(foreign.status).toBe(401);
    expect(foreign.body).toMatchObject({ code: "UNAUTHORIZED" });
    expect(foreign.body.message).toMatch(/issuer \(`iss`\) is not the expected one|signature does not verify|not signed with any of the identity provider's published keys/);
    expect((await api("/admin/audit", await sign("http://127.0.0.1:1/other-provider"))).status).toBe(401);

    const forged = await api("/admin/audit", await sign(provider.issuer));
    expect(forged.status).toBe(401);
    expect(forged.body.message).toMatch(/signature does not verify|not signed with any of the identity provider's published keys/);
    expect(await join(await sign(provider.issuer))).toBe(401);
  });

  it("accepts a token from `npm run baton -- token` beside the provider's", async () => {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
    const { stdout } = await promisify(execFile)(process.execPath, ["--conditions=@baton/source", "--import", tsx, path.join(root, "server/src/cli/baton.ts"), "token", "--user", "ci-bot", "--admin", "--ttl", "10m"], {
      cwd: root,
      env: { ...process.env, TSX_TSCONFIG_PATH: path.join(root, "tsconfig.json"), BATON_ENV: "production", BATON_JWT_SECRET: PRODUCTION_JWT_SECRET, BATON_DATA_DIR: dataDir },
    });
    const token = stdout.trim();
    expect(await api("/auth/me", token)).toEqual({ status: 200, body: { userId: "ci-bot", name: "ci-bot", roles: ["admin"] } });
    expect((await api("/admin/audit", token)).status).toBe(200);
  });
});
