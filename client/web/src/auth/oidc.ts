/**
 * Sign-in through the organisation's OpenID Connect provider: the authorization code flow
 * with PKCE for a public client (no client secret in a web page), by oauth4webapi.
 *
 * 1. `startOidcSignIn` makes a code verifier, state and nonce, keeps them in sessionStorage
 *    (this tab only) and sends the tab to the provider's authorization endpoint.
 * 2. The provider sends the tab back to `/sign-in?code=…&state=…` (the redirect URI registered
 *    for the client). `finishOidcSignIn` checks the state, exchanges the code and the verifier
 *    at the token endpoint, and checks the ID token's issuer, audience, expiry and nonce.
 * 3. The ID token is Baton's bearer token from then on: the server verifies its signature with
 *    the provider's keys on every request and join (server/src/auth/oidc.ts).
 *
 * The endpoints come from the server (GET /auth/config), which discovered them: the page
 * talks only to this origin and to the provider's token endpoint (the page's CSP allows both).
 */
import * as oauth from "oauth4webapi";
import type { AuthConfigAnswer } from "@baton/protocol/http";

export type OidcConfig = NonNullable<AuthConfigAnswer["oidc"]>;

const PENDING_KEY = "baton.oidc.pending";

interface Pending {
  state: string;
  nonce: string;
  verifier: string;
  /** The page the person was on when they chose to sign in. */
  returnTo: string;
}

/** The dashboard's redirect URI: register exactly this at the provider. */
export const redirectUri = () => `${window.location.origin}/sign-in`;

/** How the dashboard may sign people in (GET /auth/config). */
export async function fetchAuthConfig(signal?: AbortSignal): Promise<AuthConfigAnswer> {
  const response = await fetch("/auth/config", { signal, credentials: "omit" });
  if (!response.ok) throw new Error(`The server did not say how to sign in (HTTP ${response.status}).`);
  return (await response.json()) as AuthConfigAnswer;
}

function authorizationServer(config: OidcConfig): oauth.AuthorizationServer {
  return {
    issuer: config.issuer,
    authorization_endpoint: config.authorizationEndpoint,
    token_endpoint: config.tokenEndpoint,
    id_token_signing_alg_values_supported: config.algorithms,
  };
}

/** Plain HTTP is allowed only to a provider on this machine (a test's, a developer's). */
function insecureAllowed(config: OidcConfig): boolean {
  const { protocol, hostname } = new URL(config.issuer);
  return protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(hostname);
}

/** Sends this tab to the provider's sign-in page. */
export async function startOidcSignIn(config: OidcConfig): Promise<void> {
  if (!config.authorizationEndpoint) throw new Error(config.problem ?? `${config.providerName} cannot be reached right now.`);
  const pending: Pending = {
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    verifier: oauth.generateRandomCodeVerifier(),
    returnTo: window.location.pathname === "/sign-in" ? "/" : window.location.pathname,
  };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL(config.authorizationEndpoint);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: config.clientId,
    redirect_uri: redirectUri(),
    scope: config.scopes,
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(pending.verifier),
    code_challenge_method: "S256",
  }).toString();
  window.location.assign(url.href);
}

/** Whether this page is the provider's answer (a code or an error for a sign-in this tab started). */
export function isOidcCallback(): boolean {
  const parameters = new URLSearchParams(window.location.search);
  return window.location.pathname === "/sign-in" && (parameters.has("code") || parameters.has("error")) && sessionStorage.getItem(PENDING_KEY) !== null;
}

/** The exchange, started once per page however often React renders (StrictMode runs effects twice). */
let finishing: Promise<{ idToken: string; returnTo: string }> | undefined;

/** Completes the sign-in this tab started: the provider's ID token and where to go back to. */
export function finishOidcSignIn(config: OidcConfig): Promise<{ idToken: string; returnTo: string }> {
  finishing ??= exchange(config);
  return finishing;
}

async function exchange(config: OidcConfig): Promise<{ idToken: string; returnTo: string }> {
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? "null") as Pending | null;
  sessionStorage.removeItem(PENDING_KEY);
  const callback = new URL(window.location.href);
  // The code is single-use and worthless without the verifier, but need not stay in the address bar or history.
  window.history.replaceState(null, "", "/sign-in");
  if (!pending) throw new Error("This sign-in was not started in this tab. Please sign in again.");
  if (!config.tokenEndpoint) throw new Error(config.problem ?? `${config.providerName} cannot be reached right now.`);
  const as = authorizationServer(config);
  const client: oauth.Client = { client_id: config.clientId };
  const options = insecureAllowed(config) ? { [oauth.allowInsecureRequests]: true } : {};
  let parameters: URLSearchParams;
  try {
    parameters = oauth.validateAuthResponse(as, client, callback, pending.state);
  } catch (error) {
    if (error instanceof oauth.AuthorizationResponseError) {
      throw new Error(`${config.providerName} did not sign you in: ${error.error_description ?? error.error}.`);
    }
    throw new Error(`The answer from ${config.providerName} does not belong to this sign-in (${(error as Error).message}). Please sign in again.`);
  }
  const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), parameters, redirectUri(), pending.verifier, options);
  const result = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: pending.nonce, requireIdToken: true });
  if (!result.id_token) throw new Error(`${config.providerName} sent no ID token.`);
  return { idToken: result.id_token, returnTo: pending.returnTo };
}

/** Whether a token is the provider's (asymmetrically signed) rather than Baton's own (HS256). */
export function isProviderToken(token: string): boolean {
  try {
    const header = JSON.parse(atob(token.split(".")[0].replace(/-/g, "+").replace(/_/g, "/"))) as { alg?: string };
    return typeof header.alg === "string" && !header.alg.startsWith("HS");
  } catch {
    return false;
  }
}

/**
 * Ends the person's session at the provider too (RP-initiated logout), when the provider
 * offers it: dashboards run on shared computers, and the next person to press "Sign in with …"
 * must not find the last one still signed in there. The provider comes back to `/sign-in`
 * (register it as a post-logout redirect URI). Local sign-out has happened before this.
 */
export async function signOutAtProvider(idToken: string): Promise<void> {
  const config = (await fetchAuthConfig()).oidc;
  if (!config?.endSessionEndpoint) return;
  const url = new URL(config.endSessionEndpoint);
  url.search = new URLSearchParams({ id_token_hint: idToken, client_id: config.clientId, post_logout_redirect_uri: redirectUri() }).toString();
  window.location.assign(url.href);
}
