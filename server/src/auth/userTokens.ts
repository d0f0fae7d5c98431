/**
 * User identity: HS256 JWTs signed with the server's secret. `sub` is the user id, `name`
 * the display name, `roles` may contain "admin".
 *
 * A token is accepted only when it expires (`exp` is required) within the configured
 * maximum lifetime — counted from now and, when the token says when it was issued, from
 * `iat` — so a leaked token is useful for a bounded time. A token whose `iat` is more than
 * MAX_CLOCK_SKEW_SECONDS ahead of this server's clock is refused: no honest issuer made it. When an issuer or audience is
 * configured, `iss` / `aud` must match it, so a token minted for another service that
 * happens to share the secret does not open Baton.
 *
 * With OpenID Connect configured (BATON_OIDC_ISSUER, auth/oidc.ts) the same `verify` also
 * accepts the provider's tokens: a token signed with an asymmetric algorithm goes to the
 * provider's keys, an HS256 one to the secret — never one for the other, so the provider's
 * public key can never be used as an HMAC secret. The lifetime bounds apply to both. The
 * HTTP API and the rooms call only `verify`, so they accept either kind alike.
 */
import { SignJWT, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from "jose";
import { OidcVerifier, type OidcSettings } from "./oidc.ts";

export interface UserIdentity {
  userId: string;
  name: string;
  roles: string[];
}

export interface TokenPolicy {
  /** The longest a token may be valid (BATON_JWT_MAX_LIFETIME_S). */
  maxLifetimeSeconds: number;
  /** Required `iss` when set (BATON_JWT_ISSUER). */
  issuer?: string;
  /** Required `aud` when set (BATON_JWT_AUDIENCE). */
  audience?: string;
  /** The OpenID Connect provider whose tokens are accepted too (BATON_OIDC_*), when set. */
  oidc?: OidcSettings;
}

export const DEFAULT_TOKEN_POLICY: TokenPolicy = { maxLifetimeSeconds: 86_400 };
/**
 * How far ahead of this server's clock a token's `iat` may be: issuers' clocks are a little
 * off, but a token "issued" further in the future was not issued honestly.
 */
export const MAX_CLOCK_SKEW_SECONDS = 60;
/** What `POST /dev/token` issues, unless the maximum lifetime is shorter. */
const DEV_TOKEN_LIFETIME_SECONDS = 12 * 3600;

export class UserTokens {
  private readonly key: Uint8Array;
  /** The OpenID Connect provider's verifier, when one is configured. */
  readonly oidc?: OidcVerifier;

  constructor(secret: string, private readonly policy: TokenPolicy = DEFAULT_TOKEN_POLICY, private readonly clock: () => number = Date.now) {
    this.key = new TextEncoder().encode(secret);
    if (policy.oidc?.issuer) this.oidc = new OidcVerifier(policy.oidc, clock);
  }

  /** Resolves the identity, or returns a sentence saying why the token is not acceptable. */
  async verify(token: string | undefined): Promise<UserIdentity | { problem: string }> {
    if (!token) return { problem: "no bearer token was sent" };
    if (this.oidc && !isHmacSigned(token)) {
      const verified = await this.oidc.verify(token);
      if ("problem" in verified) return verified;
      return this.lifetimeProblem(verified.payload) ?? verified.identity;
    }
    const { issuer, audience } = this.policy;
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: ["HS256"],
        requiredClaims: ["exp"],
        issuer: issuer || undefined,
        audience: audience || undefined,
        currentDate: new Date(this.clock()),
      }));
    } catch (error) {
      return { problem: this.describeRejection(error) };
    }
    const problem = this.lifetimeProblem(payload);
    if (problem) return problem;
    if (typeof payload.sub !== "string" || payload.sub.length === 0 || payload.sub.length > 128) {
      return { problem: "the token has no usable `sub` (user id)" };
    }
    const name = typeof payload.name === "string" ? payload.name.slice(0, 100) : payload.sub;
    const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === "string") : [];
    return { userId: payload.sub, name, roles };
  }

  /** The bounds every accepted token keeps, whoever signed it: a sentence when it does not. */
  private lifetimeProblem(payload: JWTPayload): { problem: string } | undefined {
    const { maxLifetimeSeconds } = this.policy;
    const now = Math.floor(this.clock() / 1000);
    const exp = payload.exp!;
    if (exp - now > maxLifetimeSeconds) {
      return { problem: `the token expires in ${exp - now} s, more than BATON_JWT_MAX_LIFETIME_S (${maxLifetimeSeconds} s) allows; issue shorter-lived tokens` };
    }
    if (typeof payload.iat === "number" && payload.iat - now > MAX_CLOCK_SKEW_SECONDS) {
      return { problem: `the token says it was issued in the future (\`iat\` is ${payload.iat - now} s ahead of this server's clock, more than the ${MAX_CLOCK_SKEW_SECONDS} s of clock skew allowed); check the issuer's clock` };
    }
    if (typeof payload.iat === "number" && exp - payload.iat > maxLifetimeSeconds) {
      return { problem: `the token was issued for ${exp - payload.iat} s, more than BATON_JWT_MAX_LIFETIME_S (${maxLifetimeSeconds} s) allows; issue shorter-lived tokens` };
    }
    return undefined;
  }

  /**
   * Mints a token that this instance accepts (development's `POST /dev/token`, the CLI's
   * `token` command, tests): 12 h, or `lifetimeSeconds`, never beyond the maximum lifetime.
   */
  async issue(identity: { userId: string; name?: string; roles?: string[] }, lifetimeSeconds = DEV_TOKEN_LIFETIME_SECONDS): Promise<string> {
    const now = Math.floor(this.clock() / 1000);
    const lifetime = Math.min(lifetimeSeconds, this.policy.maxLifetimeSeconds);
    let jwt = new SignJWT({ name: identity.name ?? identity.userId, roles: identity.roles ?? [] })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(identity.userId)
      .setIssuedAt(now)
      .setExpirationTime(now + lifetime);
    if (this.policy.issuer) jwt = jwt.setIssuer(this.policy.issuer);
    if (this.policy.audience) jwt = jwt.setAudience(this.policy.audience);
    return jwt.sign(this.key);
  }

  /** One sentence per way a token fails jose's checks; the rest keep jose's own words. */
  private describeRejection(error: unknown): string {
    if (error instanceof errors.JWTExpired) return "the token has expired";
    if (error instanceof errors.JWTClaimValidationFailed) {
      const missing = error.reason === "missing";
      switch (error.claim) {
        case "exp":
          return "the token has no expiry (`exp`); Baton accepts only tokens that expire (within BATON_JWT_MAX_LIFETIME_S)";
        case "iss":
          return `the token's issuer (\`iss\`) is ${missing ? "missing" : "not the expected one"}; this server accepts only "${this.policy.issuer}" (BATON_JWT_ISSUER)`;
        case "aud":
          return `the token's audience (\`aud\`) is ${missing ? "missing" : "not the expected one"}; this server accepts only "${this.policy.audience}" (BATON_JWT_AUDIENCE)`;
        case "nbf":
          return "the token is not valid yet (`nbf` is in the future)";
      }
    }
    return `the token is not valid (${(error as Error).message})`;
  }
}

/** Whether a token says it is HMAC-signed (Baton's own); unreadable headers count as Baton's, whose check then explains. */
function isHmacSigned(token: string): boolean {
  try {
    return decodeProtectedHeader(token).alg?.startsWith("HS") ?? true;
  } catch {
    return true;
  }
}
