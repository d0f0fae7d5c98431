/**
 * One error class for everything the SDK rejects with. `code` is the protocol's error code
 * when the server refused something (DEVICE_BUSY, DEVICE_OFFLINE, INVALID_INPUT, NOT_OWNER, …,
 * see docs/ERRORS.md), a device's own failure code for a failed run (RUN_TIMEOUT, CANCELLED,
 * FILAMENT_JAM, …), or one of the SDK's own codes below. `message` is always a sentence a
 * person can act on, so an app may show it as it is.
 */
import { ErrorCode, type ErrorCodeName } from "@baton/protocol";

/** Codes the SDK itself uses, for what no server said. */
export const ClientErrorCode = {
  /** The caller's AbortSignal fired before the answer came (`cause` is the signal's reason). */
  ABORTED: "ABORTED",
  /** The caller's `timeoutMs` passed before the answer came. Nothing waits by default. */
  TIMEOUT: "TIMEOUT",
  /** The connection to the device's room closed for good (left, kicked, or reconnection gave up). */
  CONNECTION_CLOSED: "CONNECTION_CLOSED",
  /** The server could not be reached (no answer, refused connection, DNS). */
  NETWORK_ERROR: "NETWORK_ERROR",
  /** The server answered an HTTP request with an error that carried no Baton code. */
  HTTP_ERROR: "HTTP_ERROR",
} as const;
export type ClientErrorCodeName = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

/** A protocol code, an SDK code, or (for a failed run) the device's own code. */
export type BatonErrorCode = ErrorCodeName | ClientErrorCodeName | (string & {});

export interface BatonErrorDetails {
  /** The request that was refused (`claim`, `run`, `cancel`, `release`, `join`, or an HTTP route). */
  request?: string;
  /** The HTTP status, for refusals that came over HTTP (matchmaking, the REST API). */
  status?: number;
  /** For a failed run: its id and session type. */
  runId?: string;
  sessionType?: string;
  cause?: unknown;
}

export class BatonError extends Error {
  override readonly name = "BatonError";
  readonly code: BatonErrorCode;
  readonly request?: string;
  readonly status?: number;
  readonly runId?: string;
  readonly sessionType?: string;

  constructor(code: BatonErrorCode, message: string, details: BatonErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    if (details.request !== undefined) this.request = details.request;
    if (details.status !== undefined) this.status = details.status;
    if (details.runId !== undefined) this.runId = details.runId;
    if (details.sessionType !== undefined) this.sessionType = details.sessionType;
  }
}

export function isBatonError(error: unknown, code?: BatonErrorCode): error is BatonError {
  return error instanceof BatonError && (code === undefined || error.code === code);
}

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

/** "some words" → "Some words." */
export function asSentence(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return trimmed;
  const capital = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?)]$/.test(capital) ? capital : `${capital}.`;
}

/**
 * A join refusal from matchmaking: the server writes `CODE: sentence` (rooms/edge/joinAuth.ts), and
 * answers with an HTTP status; anything else (a proxy's page, a network failure) still
 * becomes a sentence.
 */
export function fromJoinFailure(error: unknown, deviceId: string): BatonError {
  const text = error instanceof Error ? error.message : String(error);
  const status = typeof (error as { code?: unknown })?.code === "number" ? (error as { code: number }).code : undefined;
  const match = /^([A-Z_]+): ([\s\S]*)$/.exec(text);
  if (match && KNOWN_CODES.has(match[1])) {
    return new BatonError(match[1], asSentence(match[2]), { request: "join", status, cause: error });
  }
  if (status === undefined || status === 0) {
    return new BatonError(ClientErrorCode.NETWORK_ERROR, `Could not reach the Baton server to join device ${deviceId}: ${text || "no answer"}.`, { request: "join", cause: error });
  }
  return new BatonError(ClientErrorCode.HTTP_ERROR, `Joining device ${deviceId} failed (${status}): ${text || "no details"}.`, { request: "join", status, cause: error });
}
