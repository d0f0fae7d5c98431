/**
 * The `errorCode` field of a refused matchmaking answer (docs/PROTOCOL.md, "Join refusals").
 * Colyseus answers an error thrown by `onAuth` or `onJoin` itself, as
 * `{ code: <HTTP status>, error: <message> }`, copying nothing else from the error. Baton's
 * join refusals write their message as `CODE: sentence` (rooms/joinAuth.ts `joinError`, the
 * only writer), so on the way out this adds the code as a field of its own:
 * `{ code, error, errorCode }`. Clients read the field; the prefix stays for firmware and
 * SDKs that predate it. The code is taken from the answer rather than noted when the error is
 * thrown because `onJoin` may run in another process of the cluster, which no request
 * context reaches.
 */
import type http from "node:http";
import { ErrorCode, type ErrorCodeName } from "@baton/protocol";

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/** The code a `CODE: sentence` join refusal text starts with, or null. */
export function joinRefusalCode(text: string): ErrorCodeName | null {
  const colon = text.indexOf(": ");
  const code = colon > 0 ? text.slice(0, colon) : "";
  return KNOWN_CODES.has(code) ? (code as ErrorCodeName) : null;
}

/** A refused matchmaking answer's body with `errorCode` added; any other body as it was. */
export function withErrorCodeField(body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return body;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return body;
  const answer = parsed as { error?: unknown; errorCode?: unknown };
  if (typeof answer.error !== "string" || answer.errorCode !== undefined) return body;
  const code = joinRefusalCode(answer.error);
  return code ? JSON.stringify({ ...answer, errorCode: code }) : body;
}

type End = (chunk?: unknown, encoding?: unknown, callback?: unknown) => http.ServerResponse;

/** Runs `handle` (which answers `response`) so that a JSON error answer it writes carries `errorCode`. */
export function withJoinRefusalCode(response: http.ServerResponse, handle: () => void): void {
  let held: Buffer[] | null = null;
  const writeHead = response.writeHead.bind(response) as (...args: unknown[]) => http.ServerResponse;
  const write = response.write.bind(response) as (chunk: unknown, ...rest: unknown[]) => boolean;
  const end = response.end.bind(response) as End;
  response.writeHead = ((status: number, ...rest: unknown[]) => {
    if (status >= 400 && String(response.getHeader("content-type") ?? "").includes("json")) {
      // The body grows by a field: its length is no longer the one Colyseus computed.
      held = [];
      response.removeHeader("content-length");
    }
    return writeHead(status, ...rest);
  }) as typeof response.writeHead;
  response.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (!held) return write(chunk, ...rest);
    held.push(toBuffer(chunk));
    return true;
  }) as typeof response.write;
  response.end = ((chunk?: unknown, encoding?: unknown, callback?: unknown) => {
    if (!held) return end(chunk, encoding, callback);
    if (typeof chunk === "function") return end(withErrorCodeField(Buffer.concat(held).toString("utf8")), chunk);
    if (chunk !== undefined && chunk !== null) held.push(toBuffer(chunk));
    const body = withErrorCodeField(Buffer.concat(held).toString("utf8"));
    held = null;
    return typeof encoding === "function" ? end(body, encoding) : end(body, callback);
  }) as typeof response.end;
  handle();
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk);
  return Buffer.from(String(chunk), "utf8");
}
