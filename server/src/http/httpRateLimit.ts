/**
 * A token bucket per client address in front of Baton's own HTTP API. Every route behind it
 * validates and bounds its input, but without a rate a single client can still make the
 * store answer thousands of history queries a second; this keeps one address to a
 * configured rate and answers the rest `429 RATE_LIMITED` with `Retry-After`.
 *
 * Only the API's paths are limited (LIMITED_PREFIXES). Health probes are not: a load
 * balancer polling /readyz must never see a 429 it would read as "unhealthy"; nor are the
 * dashboard's static files, of which a page load fetches many. The matchmaking routes are
 * not behind this limiter either —
 * device joins have their own fair screen (auth/deviceAuthenticator.ts) and user joins are
 * bounded per user in the room (connectionLimits.ts).
 *
 * Memory is bounded: at most `maxAddresses` buckets are kept; when full, the least recently
 * used address is forgotten (it starts again with a full burst, which only ever favours a
 * legitimate client).
 */
import type { NextFunction, Request, Response } from "express";
import { ErrorCode } from "@baton/protocol";
import { TokenBucket, type RateLimit } from "../rooms/edge/rateLimiter.ts";
import { CLIENT_ADDRESS_HEADER } from "./requestGuard.ts";
import { refuse } from "./respond.ts";

/** Baton's API: every route of routes.ts except the health probes. */
const LIMITED_PREFIXES = ["/devices", "/me/", "/results", "/admin/", "/dev/token", "/metrics", "/openapi.json"];

/**
 * Express matches routes case-insensitively (`/DEVICES` reaches the `/devices` handler), so
 * the limiter compares paths the same way; otherwise a change of case steps around it.
 */
function isLimited(requestPath: string): boolean {
  const path = requestPath.toLowerCase();
  return LIMITED_PREFIXES.some((prefix) => path === prefix || path.startsWith(prefix.endsWith("/") ? prefix : `${prefix}/`));
}

export interface HttpRateLimitOptions {
  limit: RateLimit;
  clock?: () => number;
  maxAddresses?: number;
}

export function httpRateLimit(options: HttpRateLimitOptions) {
  const clock = options.clock ?? Date.now;
  const maxAddresses = options.maxAddresses ?? 10_000;
  // Map iteration order is insertion order: re-inserting on use makes the first key the
  // least recently used one.
  const buckets = new Map<string, TokenBucket>();
  const retryAfterSeconds = Math.max(1, Math.ceil(1 / options.limit.perSecond));

  return (request: Request, response: Response, next: NextFunction) => {
    if (!isLimited(request.path)) return next();
    const address = String(request.headers[CLIENT_ADDRESS_HEADER] ?? request.socket.remoteAddress ?? "unknown");
    const now = clock();
    let bucket = buckets.get(address);
    if (bucket) {
      buckets.delete(address);
    } else {
      bucket = new TokenBucket(options.limit, now);
      if (buckets.size >= maxAddresses) buckets.delete(buckets.keys().next().value!);
    }
    buckets.set(address, bucket);
    if (bucket.take(now)) return next();
    response.setHeader("Retry-After", String(retryAfterSeconds));
    refuse(response, ErrorCode.RATE_LIMITED, { reason: "http", perSecond: options.limit.perSecond, retryAfterSeconds });
  };
}
