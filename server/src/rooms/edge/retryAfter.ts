/**
 * `Retry-After` for matchmaking refusals decided deep inside Colyseus (issue 18 finding 18).
 * Colyseus answers an error thrown by onAuth itself, copying its status and message but no
 * header; so the check that refuses a join for a while (the device-secret throttle,
 * rooms/edge/joinAuth.ts) notes the wait here, and the request guard, which runs the request in
 * `withRetryAfter`, adds `Retry-After` to the 429 on its way out. The note travels with the
 * request's own async context (AsyncLocalStorage), so concurrent requests never see each
 * other's waits.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type http from "node:http";

interface PendingWait {
  seconds?: number;
}

const pendingWait = new AsyncLocalStorage<PendingWait>();

/** A wait as `Retry-After` says it: whole seconds, rounded up, at least 1. */
export function retryAfterSeconds(waitMs: number): number {
  return Math.max(1, Math.ceil(waitMs / 1000));
}

/** Called by a check refusing the current matchmaking request for `waitMs`; outside one, a no-op. */
export function noteRetryAfter(waitMs: number): void {
  const context = pendingWait.getStore();
  if (context) context.seconds = retryAfterSeconds(waitMs);
}

/** Runs `handle` (which answers `response`) so that a 429 it writes carries the noted wait. */
export function withRetryAfter(response: http.ServerResponse, handle: () => void): void {
  const context: PendingWait = {};
  const writeHead = response.writeHead.bind(response) as (...args: unknown[]) => http.ServerResponse;
  response.writeHead = ((status: number, ...rest: unknown[]) => {
    if (status === 429 && context.seconds !== undefined && !response.hasHeader("retry-after")) response.setHeader("Retry-After", String(context.seconds));
    return writeHead(status, ...rest);
  }) as typeof response.writeHead;
  pendingWait.run(context, handle);
}
