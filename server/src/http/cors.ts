/**
 * Which web origins may call Baton from a browser (BATON_CORS_ORIGINS), applied to every
 * HTTP response: Colyseus' matchmaking routes and Baton's own.
 *
 * Colyseus writes CORS headers itself, before any route runs, from two module-level values
 * on `matchMaker.controller`: `DEFAULT_CORS_HEADERS` (which include
 * `Access-Control-Allow-Credentials: true`) merged with `getCorsHeaders(headers)` (which
 * echoes the request's Origin). Together that permits credentialed calls from every web
 * page. Baton replaces both with its policy:
 * - a listed origin gets exactly itself back, with credentials (the SDK's fetch sends
 *   `credentials: "include"`, which browsers only allow against an exact origin);
 * - "any" gets the wildcard `*` and never credentials (browsers then refuse credentialed
 *   requests, which is the point of a wildcard);
 * - every other origin gets no CORS header at all, so the browser refuses the response.
 */
import { matchMaker } from "@colyseus/core";
import type { CorsPolicy } from "../config/config.ts";

const PERMISSIONS = {
  "Access-Control-Allow-Methods": "GET,HEAD,POST,OPTIONS",
  "Access-Control-Allow-Headers": "Origin, X-Requested-With, Content-Type, Accept, Authorization",
  // Browsers cap this anyway (Chromium at 2 h); a short cache lets a policy change apply soon.
  "Access-Control-Max-Age": "600",
} as const;

/** The CORS response headers for a request from `origin` (null when it sent none). */
export function corsHeadersFor(policy: CorsPolicy, origin: string | null): Record<string, string> {
  if (policy.allow === "any") return { ...PERMISSIONS, "Access-Control-Allow-Origin": "*" };
  // The answer depends on Origin: caches must not hand one origin's answer to another.
  const vary = { Vary: "Origin" };
  if (origin === null || !policy.origins.includes(origin)) return vary;
  return { ...PERMISSIONS, ...vary, "Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true" };
}

/** Makes Colyseus answer every request (and every preflight) by `policy`. Process-wide. */
export function installCorsPolicy(policy: CorsPolicy): void {
  const controller = matchMaker.controller as { DEFAULT_CORS_HEADERS: Record<string, string>; getCorsHeaders(headers: Headers): Record<string, string> };
  controller.DEFAULT_CORS_HEADERS = {};
  controller.getCorsHeaders = (headers) => corsHeadersFor(policy, headers.get("origin"));
}
