/**
 * Who may join a device room, decided at HTTP matchmaking (Colyseus' static onAuth) so a
 * refused client never opens a socket. Users bring a JWT; a device brings its own id and
 * secret and may join only its own room. A refusal's status and sentence come from the error
 * table (@baton/protocol); Colyseus answers it as `{ code: <status>, error: "CODE: sentence" }`
 * and the request guard adds the code as the field `errorCode` (http/joinRefusalCode.ts).
 */
import { ServerError } from "@colyseus/core";
import { ErrorCode, JoinRole, errorStatus, joinRefusalText, renderError, type ErrorCodeName, type ErrorParams } from "@baton/protocol";
import { isValidDeviceId } from "../../auth/deviceRegistry.ts";
import type { DeviceRegistry } from "../../ports/store.ts";
import type { DeviceAuthenticator } from "../../auth/deviceAuthenticator.ts";
import type { UserTokens } from "../../auth/userTokens.ts";
import { noteRetryAfter, retryAfterSeconds } from "./retryAfter.ts";

/** The HTTP status a join refusal with this code is answered with (the error table's; the matchmaking route answers with the ServerError code as status). */
export function joinStatus(code: ErrorCodeName): number {
  return errorStatus(code);
}

/** A join refusal: the table's status, and the message `CODE: sentence` with the sentence rendered from `params`. */
export function joinError<C extends ErrorCodeName>(code: C, params: ErrorParams<C>): ServerError {
  return new ServerError(joinStatus(code), joinRefusalText(code, renderError(code, params)));
}

export type JoinAuth =
  /** `secretHash`: the registry's hash the secret matched, so the room can tell a rotation since (auth/revocations.ts). */
  | { role: "device"; deviceId: string; secretHash: string }
  | { role: "user"; deviceId: string; userId: string; name: string; roles: string[] };

export interface JoinAuthServices {
  registry: DeviceRegistry;
  deviceAuthenticator: DeviceAuthenticator;
  userTokens: UserTokens;
}

/** The throttle's sentence; its number is the `Retry-After` the answer carries (http/requestGuard.ts). */
export function guessingBackoffSentence(waitMs: number): string {
  return renderError(ErrorCode.RATE_LIMITED, { reason: "secretGuessing", retryAfterSeconds: retryAfterSeconds(waitMs) });
}

/** `source` is the client's address (see http/requestGuard.ts); secret guessing is throttled by it. */
export async function authorizeJoin(token: string | undefined, options: unknown, services: JoinAuthServices, source = "unknown"): Promise<JoinAuth> {
  const { deviceId, role } = (options ?? {}) as { deviceId?: unknown; role?: unknown };
  if (!isValidDeviceId(deviceId)) {
    throw joinError(ErrorCode.UNKNOWN_DEVICE, { reason: "noDeviceId" });
  }
  const device = await services.registry.find(deviceId);
  if (!device) throw joinError(ErrorCode.UNKNOWN_DEVICE, { deviceId });
  // A disabled device is refused like a wrong secret (the firmware does not retry UNAUTHORIZED).
  if (device.disabledAt !== null && role === JoinRole.DEVICE) {
    throw joinError(ErrorCode.UNAUTHORIZED, { reason: "deviceDisabled", deviceId });
  }

  if (role === JoinRole.DEVICE) {
    if (!token) throw joinError(ErrorCode.UNAUTHORIZED, { reason: "secretMissing", deviceId });
    const result = await services.deviceAuthenticator.check({ deviceId, secret: token, secretHash: device.secretHash, source });
    switch (result.verdict) {
      case "ok": return { role: "device", deviceId, secretHash: device.secretHash };
      case "throttled":
        noteRetryAfter(result.retryAfterMs);
        throw joinError(ErrorCode.RATE_LIMITED, { reason: "secretGuessing", retryAfterSeconds: retryAfterSeconds(result.retryAfterMs) });
      case "busy":
        throw joinError(ErrorCode.SERVER_BUSY, { reason: "secretChecks" });
      default:
        throw joinError(ErrorCode.UNAUTHORIZED, { reason: "secretWrong", deviceId });
    }
  }
  if (role !== undefined && role !== JoinRole.USER) {
    throw joinError(ErrorCode.UNAUTHORIZED, { reason: "unknownRole", role: JSON.stringify(role) });
  }
  const identity = await services.userTokens.verify(token);
  if ("problem" in identity) throw joinError(ErrorCode.UNAUTHORIZED, { reason: "token", problem: identity.problem });
  return { role: "user", deviceId, ...identity };
}
