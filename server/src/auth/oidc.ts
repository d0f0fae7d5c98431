/**
 * Tokens from the organisation's OpenID Connect provider (BATON_OIDC_*): verified against
 * the provider's published keys, and their claims mapped to Baton's user id, name and roles.
 *
 * - Discovery: `<issuer>/.well-known/openid-configuration`, fetched once with a bounded
 *   timeout; its `issuer` must be exactly the configured one (OpenID Connect Discovery §4.3).
 *   A failed fetch is retried on the next token, at most every DISCOVERY_RETRY_MS.
 * - Keys: jose's `createRemoteJWKSet` on the discovered `jwks_uri` — cached, refetched when a
 *   token names a key id it does not know (at most once per cooldown, so unknown `kid`s cannot
 *   make Baton hammer the provider), each fetch bounded by the same timeout.
 * - Checks: signature with an asymmetric algorithm from the configured list only (never HS*:
 *   the provider's public keys are no secret), `iss` exactly the issuer, `aud` containing the
 *   client id (the dashboard's ID tokens) or the configured audience (an API's access tokens;
 *   BATON_OIDC_AUDIENCE, the client id when unset), `exp` present and
 *   not passed, `nbf`. The lifetime bounds of Baton's own tokens apply in userTokens.ts.
 * - Mapping: user id from BATON_OIDC_USER_CLAIM (default `sub`), display name from
 *   BATON_OIDC_NAME_CLAIM (default `name`, falling back to the user id), and the role
 *   "admin" when the claim BATON_OIDC_ROLES_CLAIM (a dotted path such as
 *   `realm_access.roles`; a list or a space-separated string) contains BATON_OIDC_ADMIN_VALUE.
 *   No other provider group becomes a Baton role.
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import type { UserIdentity } from "./userTokens.ts";

/** What BATON_OIDC_* configure (config.ts); `issuer` "" = OpenID Connect sign-in is off. */
export interface OidcSettings {
  issuer: string;
  clientId: string;
  /** An `aud` accepted besides the client id (access tokens for Baton's API); the client id when not set. */
  audience: string;
  /** Scopes the dashboard asks for. */
  scopes: string;
  /** The button's words: "Sign in with <providerName>". */
  providerName: string;
  userClaim: string;
  nameClaim: string;
  /** "" = nobody becomes admin through the provider. */
  rolesClaim: string;
  adminValue: string;
  /** Signature algorithms accepted (asymmetric only). */
  algorithms: string[];
  /** Bound on each request to the provider (discovery, keys). */
  httpTimeoutMs: number;
}

/** The provider's metadata Baton and its dashboard use. */
export interface OidcMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  end_session_endpoint?: string;
  id_token_signing_alg_values_supported?: string[];
}

/** After a failed discovery, the next token tries again no sooner than this. */
const DISCOVERY_RETRY_MS = 10_000;
/** A token with an unknown key id refetches the keys at most this often. */
const JWKS_COOLDOWN_MS = 30_000;
/** Keys are refetched after this long even when every token's key id is known. */
const JWKS_MAX_AGE_MS = 10 * 60_000;

export class OidcVerifier {
  private metadataPromise?: Promise<OidcMetadata>;
  private lastFailureAt = -Infinity;
  private keys?: JWTVerifyGetKey;

  constructor(readonly settings: OidcSettings, private readonly clock: () => number = Date.now, private readonly fetchImpl: typeof fetch = fetch) {}

  /** The discovered metadata (cached), or throws a sentence-bearing Error. */
  metadata(): Promise<OidcMetadata> {
    if (this.metadataPromise) return this.metadataPromise;
    if (this.clock() - this.lastFailureAt < DISCOVERY_RETRY_MS) {
      return Promise.reject(new Error(`the identity provider ${this.settings.issuer} could not be reached a moment ago; try again in a few seconds`));
    }
    const attempt = this.discover();
    this.metadataPromise = attempt;
    attempt.catch(() => {
      this.metadataPromise = undefined;
      this.lastFailureAt = this.clock();
    });
    return attempt;
  }

  private async discover(): Promise<OidcMetadata> {
    const { issuer, httpTimeoutMs } = this.settings;
    const url = `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
    let response: Response;
    try {
      response = await this.fetchImpl(url, { signal: AbortSignal.timeout(httpTimeoutMs), headers: { accept: "application/json" }, redirect: "error" });
    } catch (error) {
      throw new Error(`the identity provider's discovery document (${url}) could not be fetched: ${(error as Error).message}`);
    }
    if (!response.ok) throw new Error(`the identity provider's discovery document (${url}) answered HTTP ${response.status}`);
    const document = (await response.json()) as Partial<OidcMetadata>;
    if (document.issuer !== issuer) {
      throw new Error(`the identity provider's discovery document names the issuer "${document.issuer}", not "${issuer}" (BATON_OIDC_ISSUER must be exactly the provider's issuer)`);
    }
    for (const field of ["authorization_endpoint", "token_endpoint", "jwks_uri"] as const) {
      if (typeof document[field] !== "string") throw new Error(`the identity provider's discovery document has no ${field}`);
    }
    return document as OidcMetadata;
  }

  private async keySet(): Promise<JWTVerifyGetKey> {
    if (this.keys) return this.keys;
    const { jwks_uri } = await this.metadata();
    this.keys = createRemoteJWKSet(new URL(jwks_uri), { timeoutDuration: this.settings.httpTimeoutMs, cooldownDuration: JWKS_COOLDOWN_MS, cacheMaxAge: JWKS_MAX_AGE_MS });
    return this.keys;
  }

  /** Verifies a provider token and maps it; `{ problem }` says why it is not acceptable. */
  async verify(token: string): Promise<{ identity: UserIdentity; payload: JWTPayload } | { problem: string }> {
    const { issuer, algorithms } = this.settings;
    let keys: JWTVerifyGetKey;
    try {
      keys = await this.keySet();
    } catch (error) {
      return { problem: (error as Error).message };
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, { issuer, audience: this.audiences(), algorithms, requiredClaims: ["exp"], currentDate: new Date(this.clock()) }));
    } catch (error) {
      return { problem: this.describeRejection(error) };
    }
    const identity = this.identityOf(payload);
    return "problem" in identity ? identity : { identity, payload };
  }

  /** The client id (ID tokens) and the configured audience (access tokens), once each. */
  private audiences(): string[] {
    return [...new Set([this.settings.clientId, this.settings.audience])];
  }

  /** The mapping of claims to Baton's identity (exported for its unit test). */
  identityOf(payload: JWTPayload): UserIdentity | { problem: string } {
    const { userClaim, nameClaim, rolesClaim, adminValue } = this.settings;
    const userId = claimAt(payload, userClaim);
    if (typeof userId !== "string" || userId.length === 0 || userId.length > 128) {
      return { problem: `the token has no usable \`${userClaim}\` claim for the user id (BATON_OIDC_USER_CLAIM; a string of 1–128 characters)` };
    }
    const name = claimAt(payload, nameClaim);
    const roles = rolesClaim ? roleValues(claimAt(payload, rolesClaim)) : [];
    return { userId, name: typeof name === "string" && name.trim() !== "" ? name.slice(0, 100) : userId, roles: roles.includes(adminValue) ? ["admin"] : [] };
  }

  private describeRejection(error: unknown): string {
    const { issuer } = this.settings;
    if (error instanceof errors.JWTExpired) return "the token has expired";
    if (error instanceof errors.JWTClaimValidationFailed) {
      switch (error.claim) {
        case "exp": return "the token has no expiry (`exp`)";
        case "iss": return `the token's issuer (\`iss\`) is not the expected one; this server accepts provider tokens only from "${issuer}" (BATON_OIDC_ISSUER)`;
        case "aud": return `the token's audience (\`aud\`) is not the expected one; this server accepts only ${this.audiences().map((audience) => `"${audience}"`).join(" or ")} (BATON_OIDC_CLIENT_ID, BATON_OIDC_AUDIENCE)`;
        case "nbf": return "the token is not valid yet (`nbf` is in the future)";
      }
    }
    if (error instanceof errors.JOSEAlgNotAllowed) return `the token's signature algorithm is not one this server accepts from the identity provider (${this.settings.algorithms.join(", ")}; BATON_OIDC_ALGORITHMS)`;
    if (error instanceof errors.JWKSNoMatchingKey) return "the token was not signed with any of the identity provider's published keys";
    if (error instanceof errors.JWSSignatureVerificationFailed) return "the token's signature does not verify with the identity provider's key";
    if (error instanceof errors.JWKSTimeout) return `the identity provider's keys could not be fetched within ${this.settings.httpTimeoutMs} ms; try again shortly`;
    return `the token is not valid (${(error as Error).message})`;
  }
}

/** `a.b.c` in a payload; a claim whose own name has dots is found first. */
function claimAt(payload: JWTPayload, path: string): unknown {
  if (path in payload) return payload[path];
  let value: unknown = payload;
  for (const key of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function roleValues(value: unknown): string[] {
  if (typeof value === "string") return value.split(/\s+/).filter(Boolean);
  if (Array.isArray(value)) return value.filter((entry): entry is string => typeof entry === "string");
  return [];
}
