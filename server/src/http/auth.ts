/**
 * Sign-in for the dashboard (issue 22):
 * - GET /auth/config (public): whether development sign-in exists, and the OpenID Connect
 *   provider to sign in with — its client id, scopes, name and the endpoints Baton discovered
 *   (auth/oidc.ts), so the page needs no discovery request of its own. Nothing secret: a
 *   public client with PKCE has no secret.
 * - GET /auth/me (user): the caller as this server maps their token — the provider's claims
 *   through BATON_OIDC_*_CLAIM, or a Baton token's `sub` / `name` / `roles`. The dashboard
 *   asks it right after signing in, so it shows the same name and roles the server uses.
 */
import express from "express";
import { AuthConfigAnswer, WhoAmIAnswer } from "@baton/protocol/http";
import type { RoomServices } from "../rooms/services.ts";
import { requireUser } from "./authenticate.ts";
import { answerWith, guarded } from "./respond.ts";

export function authRoutes(services: RoomServices) {
  const router = express.Router();
  const answer = answerWith(services);
  // Discovered at start, so a misconfigured issuer is said in the log before anyone signs in.
  services.userTokens.oidc?.metadata().then(
    (metadata) => services.logger.info({ event: "oidc.discovered", issuer: metadata.issuer }, `OpenID Connect sign-in through ${metadata.issuer}`),
    (error: Error) => services.logger.warn({ event: "oidc.discovery_failed", err: error }, `OpenID Connect: ${error.message}; sign-in through the provider fails until it answers`),
  );
  router.get("/auth/config", guarded(services.logger, "GET /auth/config", async (_request, response) => {
    const devSignIn = services.config.mode !== "production";
    const verifier = services.userTokens.oidc;
    if (!verifier) return answer(response, AuthConfigAnswer, { devSignIn, oidc: null });
    const { issuer, clientId, scopes, providerName, algorithms } = verifier.settings;
    let endpoints: Partial<Record<"authorizationEndpoint" | "tokenEndpoint" | "endSessionEndpoint" | "problem", string>>;
    try {
      const metadata = await verifier.metadata();
      endpoints = {
        authorizationEndpoint: metadata.authorization_endpoint,
        tokenEndpoint: metadata.token_endpoint,
        ...(metadata.end_session_endpoint ? { endSessionEndpoint: metadata.end_session_endpoint } : {}),
      };
    } catch (error) {
      endpoints = { problem: `${providerName} cannot be reached right now (${(error as Error).message}).` };
    }
    // Short: the endpoints hardly change, but a provider that was down should show up again soon.
    response.setHeader("Cache-Control", "no-cache");
    answer(response, AuthConfigAnswer, { devSignIn, oidc: { issuer, clientId, scopes, providerName, algorithms, ...endpoints } });
  }));
  router.get("/auth/me", guarded(services.logger, "GET /auth/me", async (request, response) => {
    const identity = await requireUser(services, request, response);
    if (!identity) return;
    answer(response, WhoAmIAnswer, { userId: identity.userId, name: identity.name, roles: identity.roles });
  }));
  return router;
}
