/**
 * The OpenID Connect settings (issue 22 item 1; server/src/auth/oidc.ts, README "Signing in"):
 * their part of the configuration schema (config.ts spreads it into `ConfigSchema`, so the
 * file and the environment take them like every other option) and the settings they make.
 */
import { z } from "zod";
import type { OidcSettings } from "../auth/oidc.ts";

/** A refusal of the OIDC settings; config.ts reports it as a ConfigError. */
export class OidcConfigError extends Error {}

const ASYMMETRIC_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"] as const;
const isLoopbackHttp = (url: URL) => url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
export const OidcConfigSchema = {
  /** "" = off. The provider's issuer URL, exactly as its discovery document says it. */
  BATON_OIDC_ISSUER: z.string().default("").refine((issuer) => {
    if (issuer === "") return true;
    try {
      const url = new URL(issuer);
      return (url.protocol === "https:" || isLoopbackHttp(url)) && !url.search && !url.hash;
    } catch { return false; }
  }, "must be the provider's https:// issuer URL (http:// only on 127.0.0.1 or localhost), without query or fragment"),
  BATON_OIDC_CLIENT_ID: z.string().default(""),
  BATON_OIDC_AUDIENCE: z.string().default(""),
  BATON_OIDC_SCOPES: z.string().default("openid profile email").refine((scopes) => scopes.split(/\s+/).includes("openid"), "must include openid"),
  BATON_OIDC_PROVIDER_NAME: z.string().max(60).default(""),
  BATON_OIDC_USER_CLAIM: z.string().min(1).default("sub"),
  BATON_OIDC_NAME_CLAIM: z.string().min(1).default("name"),
  BATON_OIDC_ROLES_CLAIM: z.string().default(""),
  BATON_OIDC_ADMIN_VALUE: z.string().min(1).default("admin"),
  BATON_OIDC_ALGORITHMS: z.string().default("RS256,PS256,ES256,EdDSA").transform((text, context) => {
    const names = text.split(",").map((name) => name.trim()).filter(Boolean);
    const wrong = names.find((name) => !(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(name));
    if (wrong !== undefined || names.length === 0) {
      context.addIssue({ code: "custom", message: `must list asymmetric JWS algorithms from ${ASYMMETRIC_ALGORITHMS.join(", ")}${wrong ? `, got "${wrong}"` : ""}` });
      return z.NEVER;
    }
    return names;
  }),
  BATON_OIDC_HTTP_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
};

export function oidcSettingsOf(values: OidcEnvironment): OidcSettings | undefined {
  if (!values.BATON_OIDC_ISSUER) return undefined;
  if (!values.BATON_OIDC_CLIENT_ID) {
    throw new OidcConfigError("BATON_OIDC_CLIENT_ID must be set when BATON_OIDC_ISSUER is: the dashboard's client id at the identity provider (a public client with PKCE, redirect URI https://<this server>/sign-in).");
  }
  return {
    issuer: values.BATON_OIDC_ISSUER,
    clientId: values.BATON_OIDC_CLIENT_ID,
    audience: values.BATON_OIDC_AUDIENCE || values.BATON_OIDC_CLIENT_ID,
    scopes: values.BATON_OIDC_SCOPES.split(/\s+/).filter(Boolean).join(" "),
    providerName: values.BATON_OIDC_PROVIDER_NAME || new URL(values.BATON_OIDC_ISSUER).host,
    userClaim: values.BATON_OIDC_USER_CLAIM,
    nameClaim: values.BATON_OIDC_NAME_CLAIM,
    rolesClaim: values.BATON_OIDC_ROLES_CLAIM,
    adminValue: values.BATON_OIDC_ADMIN_VALUE,
    algorithms: values.BATON_OIDC_ALGORITHMS,
    httpTimeoutMs: values.BATON_OIDC_HTTP_TIMEOUT_MS,
  };
}


type OidcEnvironment = z.output<z.ZodObject<typeof OidcConfigSchema>>;
