/**
 * The device's HTTP matchmaking request — the first of the two steps of a Colyseus join,
 * done with plain `fetch` exactly as the firmware does it with `esp_http_client`:
 *
 *     POST {baseUrl}/matchmake/joinOrCreate/device
 *     Authorization: Bearer <device secret>
 *     { "deviceId": "scale-1", "role": "device" }
 *     → 200 { name, sessionId, roomId, processId, publicAddress?, devMode? }
 *     → 4xx/5xx { code, error, errorCode }   (errorCode: the Baton code, e.g. "UNAUTHORIZED";
 *       error still starts with it, "UNAUTHORIZED: …", for devices that predate the field)
 *       429 and 503 may carry `Retry-After` (seconds): the device waits at least that long
 *       before it asks again (MatchmakeError.retryAfterMs; the reconnect loop honours it).
 *
 * and the WebSocket URL built from the seat reservation.
 */
import { DEVICE_ROOM_NAME, ErrorCode, JoinRole, isErrorCode, type ErrorCodeName } from "@baton/protocol";

/** What a successful matchmaking answer carries (Colyseus' seat reservation). */
export interface SeatReservation {
  name: string;
  sessionId: string;
  roomId: string;
  processId: string;
  /** Set when the room lives on another process of a cluster: connect there, not to baseUrl. */
  publicAddress?: string;
  devMode?: boolean;
}

/** Join errors that retrying cannot fix: the device is misconfigured, not unlucky. */
const PERMANENT_JOIN_ERRORS: ReadonlySet<string> = new Set<ErrorCodeName>([ErrorCode.UNAUTHORIZED, ErrorCode.UNKNOWN_DEVICE]);

/** The server answered the matchmaking request with an error status. */
export class MatchmakeError extends Error {
  override readonly name = "MatchmakeError";
  /** The HTTP status (Colyseus uses the error's code as the status, e.g. 401, 404, 522, 525). */
  readonly status: number;
  /** `code` from the JSON body (usually equal to the status). */
  readonly code: number;
  /** `error` from the JSON body, verbatim. */
  readonly error: string;
  /** The Baton error code: the body's `errorCode` (docs/PROTOCOL.md, "Join refusals"), when it has one. */
  readonly batonCode: ErrorCodeName | undefined;
  /** The answer's `Retry-After`, in ms, when it had one: do not ask again sooner. */
  readonly retryAfterMs: number | undefined;

  constructor(status: number, code: number, error: string, retryAfterMs?: number, errorCode?: unknown) {
    super(`matchmaking failed with HTTP ${status}: ${error}`);
    this.status = status;
    this.code = code;
    this.error = error;
    // A server older than the field only wrote the code as the message's prefix.
    this.batonCode = isErrorCode(errorCode) ? errorCode : batonCodeOf(error);
    this.retryAfterMs = retryAfterMs;
  }

  /** True when retrying cannot help (bad secret, unknown device): the reconnect loop stops. */
  get permanent(): boolean {
    return this.batonCode !== undefined && PERMANENT_JOIN_ERRORS.has(this.batonCode);
  }
}

/** The matchmaking request did not get an HTTP answer at all (server down, refused, timed out). */
export class MatchmakeUnreachableError extends Error {
  override readonly name = "MatchmakeUnreachableError";
  constructor(url: string, cause: unknown) {
    super(`matchmaking request to ${url} got no answer: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

export interface MatchmakeOptions {
  /** `http://host:port` of any Baton process. */
  baseUrl: string;
  deviceId: string;
  secret: string;
  /** Abort the request after this long (default 10 s). */
  timeoutMs?: number;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/** Reserves this device's seat in its room. Throws MatchmakeError or MatchmakeUnreachableError. */
export async function matchmakeDevice(options: MatchmakeOptions): Promise<SeatReservation> {
  const url = `${trimSlash(options.baseUrl)}/matchmake/joinOrCreate/${DEVICE_ROOM_NAME}`;
  const doFetch = options.fetch ?? fetch;
  let response: Response;
  let text: string;
  try {
    response = await doFetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${options.secret}` },
      body: JSON.stringify({ deviceId: options.deviceId, role: JoinRole.DEVICE }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    text = await response.text();
  } catch (error) {
    throw new MatchmakeUnreachableError(url, error);
  }
  const body = parseJson(text);
  if (response.status !== 200) {
    const code = typeof body?.code === "number" ? body.code : response.status;
    const error = typeof body?.error === "string" ? body.error : text.slice(0, 200);
    throw new MatchmakeError(response.status, code, error, parseRetryAfter(response.headers.get("retry-after")), body?.errorCode);
  }
  if (!body || typeof body.sessionId !== "string" || typeof body.roomId !== "string" || typeof body.processId !== "string") {
    throw new MatchmakeError(response.status, 0, `unexpected matchmaking answer: ${text.slice(0, 200)}`);
  }
  return body as unknown as SeatReservation;
}

/**
 * `ws://host:port/<processId>/<roomId>?sessionId=<sessionId>[&skipHandshake=1]`. The host is
 * the reservation's `publicAddress` when the room lives on another process, otherwise the
 * one of `baseUrl`.
 *
 * `skipHandshake` asks the server to leave the schema reflection out of JOIN_ROOM: a device
 * never decodes state, and without it the first frame is ~20 bytes instead of ~850 — RAM a
 * microcontroller would otherwise have to reserve just to throw the bytes away.
 */
export function roomSocketUrl(baseUrl: string, seat: SeatReservation, options: { skipHandshake?: boolean } = {}): string {
  const base = new URL(baseUrl);
  const scheme = base.protocol === "https:" ? "wss:" : "ws:";
  const host = seat.publicAddress ?? base.host;
  const basePath = seat.publicAddress ? "" : trimSlash(base.pathname);
  const query = `sessionId=${encodeURIComponent(seat.sessionId)}${options.skipHandshake ? "&skipHandshake=1" : ""}`;
  return `${scheme}//${host}${basePath}/${seat.processId}/${seat.roomId}?${query}`;
}

/**
 * `Retry-After` as ms: delta-seconds ("4") or an HTTP date; undefined when absent or not
 * understood (the device then keeps to its own back-off). Capped at an hour, so a bogus
 * header cannot park a device for good.
 */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS);
}

const MAX_RETRY_AFTER_MS = 3_600_000;

/** `UNAUTHORIZED: the secret …` → `UNAUTHORIZED`, when the prefix is a known Baton code: how a server older than `errorCode` said it. */
export function batonCodeOf(message: string): ErrorCodeName | undefined {
  const prefix = /^([A-Z_]+):/.exec(message)?.[1];
  return prefix && prefix in ErrorCode ? (prefix as ErrorCodeName) : undefined;
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function trimSlash(value: string): string {
  return value.replace(/\/+$/, "");
}
