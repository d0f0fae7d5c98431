/**
 * Development mode's fence (issue 18 finding 17). `npm run dev` mints admin tokens at
 * `POST /dev/token` for whoever asks; that is fine for the developer's own tools, and must
 * not be for a web page in the developer's browser. Two ways such a page reaches a server on
 * 127.0.0.1: cross-origin requests (answered by CORS, which development no longer opens to
 * `*`, config.ts), and DNS rebinding — the page's own name re-resolved to 127.0.0.1, so the
 * browser treats the server as same-origin. A rebound request still carries the attacker's
 * name in `Host`. So in development every request and WebSocket upgrade must have:
 * - a `Host` that is a loopback name or address (`localhost`, `*.localhost`, 127.0.0.0/8,
 *   `[::1]`) or the address the server was told to bind (BATON_HOST, when it is one address
 *   and not 0.0.0.0) — an IP literal cannot be rebound;
 * - no `Origin`, or the server's own origin `http://<Host>` (the dashboard, which Vite
 *   serves from this very server).
 * Anything else is refused 403 FORBIDDEN with a sentence, before any route runs. Production
 * serves real names behind real proxies and is not fenced this way: there, tokens come from
 * an identity provider and CORS from BATON_CORS_ORIGINS.
 */
import type http from "node:http";
import net from "node:net";
import type { Duplex } from "node:stream";
import { ErrorCode, renderError } from "@baton/protocol";

/** The host part of a Host header ("[::1]:2567" → "::1", "localhost:2567" → "localhost"). */
function hostName(host: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  if (bracketed) return bracketed[1];
  return host.replace(/:\d+$/, "").toLowerCase();
}

function isLoopback(name: string): boolean {
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  if (net.isIPv4(name)) return name.startsWith("127.");
  return name === "::1";
}

/** Why a development server refuses this request, or null when it may proceed. */
export function devRequestProblem(headers: http.IncomingHttpHeaders, boundHost: string): string | null {
  const host = headers.host ?? "";
  const name = hostName(host);
  const bound = boundHost !== "" && boundHost !== "0.0.0.0" && boundHost !== "::" && net.isIP(boundHost) !== 0 ? boundHost : null;
  if (!isLoopback(name) && name !== bound) {
    return renderError(ErrorCode.FORBIDDEN, { reason: "devHost", host: host.slice(0, 100), bound });
  }
  const origin = headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) {
    return renderError(ErrorCode.FORBIDDEN, { reason: "devOrigin", host, origin: String(origin).slice(0, 100) });
  }
  return null;
}

/** Fences every request and upgrade of a development server (see above). */
export function installDevOriginGuard(server: http.Server, boundHost: string): void {
  const emit = server.emit.bind(server) as (event: string, ...args: unknown[]) => boolean;
  server.emit = ((event: string, ...args: unknown[]) => {
    if (event !== "request" && event !== "upgrade") return emit(event, ...args);
    const problem = devRequestProblem((args[0] as http.IncomingMessage).headers, boundHost);
    if (problem === null) return emit(event, ...args);
    const body = JSON.stringify({ code: ErrorCode.FORBIDDEN, message: problem });
    if (event === "request") {
      const response = args[1] as http.ServerResponse;
      response.writeHead(403, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
    } else {
      const socket = args[1] as Duplex;
      socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    }
    return true;
  }) as typeof server.emit;
}
