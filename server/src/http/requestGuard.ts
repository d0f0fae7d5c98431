/**
 * The first thing every HTTP request meets, in front of Colyseus' matchmaking route and the
 * express routes. Colyseus reads a matchmaking body whole, of any size, before anything
 * checks it, and answers malformed JSON with an empty 500. This guard:
 * - refuses a matchmaking body larger than `maxMatchmakeBodyBytes` with 413 — from its
 *   Content-Length before reading a byte, or as soon as a chunked body passes the limit;
 * - parses the JSON itself: malformed JSON or anything but an object gets 400;
 * - records the client's address in a header of its own (replacing any the client sent),
 *   which secret-guessing throttles read: the socket's peer, or — only when
 *   `trustProxy` is on — the last X-Forwarded-For entry, the one the proxy appended;
 * - bounds how long a request may take to arrive (slow-loris).
 * It wraps the server's `emit("request")`, so it runs before every listener whatever the
 * order they were added in (Colyseus prepends its own after `listen`).
 */
import type http from "node:http";
import { getBearerToken } from "@colyseus/core";
import { ErrorCode, errorStatus, joinRefusalText, renderError, type ErrorCodeName, type ErrorParams, type JoinRefusalBody } from "@baton/protocol";
import { withRetryAfter } from "../rooms/edge/retryAfter.ts";
import { withJoinRefusalCode } from "./joinRefusalCode.ts";

export const CLIENT_ADDRESS_HEADER = "x-baton-client-address";

export interface RequestGuardOptions {
  maxMatchmakeBodyBytes: number;
  trustProxy: boolean;
  /**
   * A last look at a parsed matchmaking request before Colyseus routes it: a refusal here is
   * answered at the cost of a JSON parse (a guesser's flood should cost no more than that).
   */
  screen?: (request: { source: string; token: string | undefined; body: Record<string, unknown> }) => Refusal | null | Promise<Refusal | null>;
}

export interface Refusal {
  status: number;
  code: ErrorCodeName;
  sentence: string;
  /** Sent as `Retry-After` (whole seconds): how long the client must wait before asking again. */
  retryAfterSeconds?: number;
}

const MATCHMAKE_PREFIX = "/matchmake/";

/** Slow-loris limits (docs/SECURITY.md): headers within 10 s, the whole request within 15 s… */
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 15_000;
/** …enforced within half a second of each (one sweep of the open connections per interval). */
export const CONNECTIONS_CHECKING_INTERVAL_MS = 500;

export function installRequestGuard(server: http.Server, options: RequestGuardOptions): void {
  // A request (headers and body) must arrive within these; the defaults are minutes.
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  // Node enforces both only when it next sweeps its connections, every
  // connectionsCheckingInterval (30 s by default): without this a slow client held a
  // connection ~30 s whatever the limits said. Node reads it when the server starts
  // listening; @types/node declares it only as a createServer option.
  (server as http.Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = CONNECTIONS_CHECKING_INTERVAL_MS;
  const emit = server.emit.bind(server) as (event: string, ...args: unknown[]) => boolean;
  server.emit = ((event: string, ...args: unknown[]) => {
    if (event !== "request") return emit(event, ...args);
    const [request, response] = args as [http.IncomingMessage & { body?: unknown }, http.ServerResponse];
    const source = clientAddress(request, options.trustProxy);
    request.headers[CLIENT_ADDRESS_HEADER] = source;
    if (request.method !== "POST" || !request.url?.startsWith(MATCHMAKE_PREFIX)) return emit(event, ...args);
    readMatchmakeBody(request, response, options.maxMatchmakeBodyBytes, (body) => {
      // The token exactly as the matchmaking route will read it for onAuth.
      const token = getBearerToken(request.headers.authorization ?? "");
      // The screen may ask a shared throttle (Redis); if it cannot answer, matchmaking's own checks still run.
      Promise.resolve(options.screen?.({ source, token, body })).catch(() => null).then((refusal) => {
        if (refusal) return refuse(response, refusal.status, refusal.code, refusal.sentence, false, refusal.retryAfterSeconds);
        request.body = body;
        withRetryAfter(response, () => withJoinRefusalCode(response, () => emit(event, request, response)));
      });
    });
    return true;
  }) as typeof server.emit;
}

function clientAddress(request: http.IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = request.headers["x-forwarded-for"];
    const hops = (Array.isArray(forwarded) ? forwarded.join(",") : forwarded ?? "").split(",").map((hop) => hop.trim()).filter(Boolean);
    if (hops.length > 0) return hops[hops.length - 1].slice(0, 64);
  }
  return request.socket.remoteAddress ?? "unknown";
}

function readMatchmakeBody(request: http.IncomingMessage, response: http.ServerResponse, limit: number, proceed: (body: Record<string, unknown>) => void) {
  const declared = Number(request.headers["content-length"] ?? NaN);
  if (declared > limit) return tooLarge(request, response, limit);
  const chunks: Buffer[] = [];
  let size = 0;
  let refused = false;
  request.on("data", (chunk: Buffer) => {
    if (refused) return;
    size += chunk.length;
    if (size > limit) {
      refused = true;
      return tooLarge(request, response, limit);
    }
    chunks.push(chunk);
  });
  request.on("end", () => {
    if (refused) return;
    const text = Buffer.concat(chunks).toString("utf8");
    if (text.trim() === "") return proceed({});
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return refuseWith(response, ErrorCode.INVALID_MESSAGE, { reason: "bodyNotJson" });
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      return refuseWith(response, ErrorCode.INVALID_MESSAGE, { reason: "bodyNotObject" });
    }
    proceed(body as Record<string, unknown>);
  });
  request.on("error", () => request.destroy());
}

function tooLarge(request: http.IncomingMessage, response: http.ServerResponse, limit: number) {
  refuseWith(response, ErrorCode.PAYLOAD_TOO_LARGE, { reason: "matchmake", limitBytes: limit }, true);
  // Stop reading: the rest of the body is never buffered.
  request.pause();
}

/** A refusal of this guard's own, status and sentence from the error table. */
function refuseWith<C extends ErrorCodeName>(response: http.ServerResponse, code: C, params: ErrorParams<C>, closeConnection = false) {
  refuse(response, errorStatus(code, params), code, renderError(code, params), closeConnection);
}

/** Colyseus' shape of matchmaking errors, `{ code: <status>, error: "<CODE>: <sentence>" }`, plus `errorCode` (joinRefusalCode.ts). */
function refuse(response: http.ServerResponse, status: number, code: ErrorCodeName, sentence: string, closeConnection = false, retryAfter?: number) {
  if (response.headersSent) return;
  const answer: JoinRefusalBody = { code: status, error: joinRefusalText(code, sentence), errorCode: code };
  const body = JSON.stringify(answer);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    ...(closeConnection ? { connection: "close" } : {}),
    ...(retryAfter !== undefined ? { "retry-after": String(retryAfter) } : {}),
  });
  response.end(body, () => {
    if (closeConnection) response.socket?.destroy();
  });
}
