/**
 * A real OpenID Connect provider for tests: the `oidc-provider` package (the certified
 * implementation by the author of jose), on a free loopback port, with one public client
 * (authorization code + PKCE, no secret) whose redirect URI is a Baton dashboard's
 * `/sign-in`, its own RSA signing key, and a few people. People sign in through its
 * development login form (any password) and consent page — real HTML pages, real redirects,
 * real token endpoint, real JWKS: nothing in Baton or the dashboard is mocked.
 */
import type { Server } from "node:http";
import { exportJWK, generateKeyPair } from "jose";
import Provider from "oidc-provider";

export interface TestPerson {
  name: string;
  /** Groups at the provider; Baton's tests map "baton-admins" to its admin role. */
  groups: string[];
}

export const OIDC_CLIENT_ID = "baton-dashboard";

export interface TestOidcProvider {
  issuer: string;
  stop(): Promise<void>;
}

/** `dashboardOrigin`: the only web origin allowed to call the token endpoint (CORS), as a real provider is configured. */
export async function startOidcProvider(options: { port: number; dashboardOrigin: string; redirectUris: string[]; people: Record<string, TestPerson> }): Promise<TestOidcProvider> {
  const issuer = `http://127.0.0.1:${options.port}`;
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: "test-signing-key", alg: "RS256", use: "sig" };
  const provider = new Provider(issuer, {
    clients: [{
      client_id: OIDC_CLIENT_ID,
      token_endpoint_auth_method: "none",
      redirect_uris: options.redirectUris,
      post_logout_redirect_uris: options.redirectUris,
      response_types: ["code"],
      grant_types: ["authorization_code"],
    }],
    jwks: { keys: [signingKey as never] },
    cookies: { keys: ["oidc-test-cookie-key-0123456789abcdef"] },
    claims: { openid: ["sub"], profile: ["name", "groups"], email: ["email"] },
    // The profile claims in the ID token itself (as most providers do), not only at userinfo.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    clientBasedCORS: (_context, origin) => origin === options.dashboardOrigin,
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
    async findAccount(_context, accountId) {
      const person = options.people[accountId];
      if (!person) return undefined;
      return { accountId, claims: async () => ({ sub: accountId, name: person.name, groups: person.groups }) };
    },
  });
  const server: Server = provider.listen(options.port);
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  return {
    issuer,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
