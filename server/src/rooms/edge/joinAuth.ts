/**
 * Who may join a device room, decided at HTTP matchmaking (Colyseus' static onAuth) so a
 * refused client never opens a socket. Users bring a JWT; a device brings its own id and
 * secret and may join only its own room. Refusals carry a Baton error code at the start of
 * the message (`UNAUTHORIZED: …`), since the HTTP status is Colyseus' own.
 */
import { ServerError } from "@colyseus/core";
import { ErrorCode, JoinRole, type ErrorCodeName } from "@baton/protocol";
import { isValidDeviceId } from "../../auth/deviceRegistry.ts";
import type { DeviceRegistry } from "../../ports/store.ts";
import type { DeviceAuthenticator } from "../../auth/deviceAuthenticator.ts";
import type { UserTokens } from "../../auth/userTokens.ts";
import { noteRetryAfter, retryAfterSeconds } from "./retryAfter.ts";

/** HTTP status per join refusal (the matchmaking route answers with the ServerError code as status). */
const JOIN_STATUS: Partial<Record<ErrorCodeName, number>> = {
  [ErrorCode.INVALID_MESSAGE]: 400,
  [ErrorCode.UNAUTHORIZED]: 401,
  [ErrorCode.WRONG_ROOM]: 403,
  [ErrorCode.UNKNOWN_DEVICE]: 404,
  [ErrorCode.METHOD_NOT_ALLOWED]: 405,
  [ErrorCode.DEVICE_ROOM_EXISTS]: 409,
  [ErrorCode.POOL_ROOM_EXISTS]: 409,
  [ErrorCode.UNKNOWN_POOL]: 404,
  [ErrorCode.PAYLOAD_TOO_LARGE]: 413,
  [ErrorCode.RATE_LIMITED]: 429,
  [ErrorCode.ROOM_FULL]: 503,
  [ErrorCode.SERVER_BUSY]: 503,
};

/** The HTTP status a join refusal with this code is answered with. */
export function joinStatus(code: ErrorCodeName): number {
  return JOIN_STATUS[code] ?? 400;
}

export function joinError(code: ErrorCodeName, message: string): ServerError {
  return new ServerError(joinStatus(code), `${code}: ${message}`);
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
  return `too many wrong device secrets from your address; try again in ${retryAfterSeconds(waitMs)} s.`;
}

/** `source` is the client's address (see http/requestGuard.ts); secret guessing is throttled by it. */
export async function authorizeJoin(token: string | undefined, options: unknown, services: JoinAuthServices, source = "unknown"): Promise<JoinAuth> {
  const { deviceId, role } = (options ?? {}) as { deviceId?: unknown; role?: unknown };
  if (!isValidDeviceId(deviceId)) {
    throw joinError(ErrorCode.UNKNOWN_DEVICE, "join options must name a device: { deviceId: \"...\" } (1–64 letters, digits, '_' or '-').");
  }
  const device = await services.registry.find(deviceId);
  if (!device) throw joinError(ErrorCode.UNKNOWN_DEVICE, `no device "${deviceId}" is registered.`);
  // A disabled device is refused like a wrong secret (the firmware does not retry UNAUTHORIZED).
  if (device.disabledAt !== null && role === JoinRole.DEVICE) {
    throw joinError(ErrorCode.UNAUTHORIZED, `device "${deviceId}" is disabled; an operator must register it again.`);
  }

  if (role === JoinRole.DEVICE) {
    if (!token) throw joinError(ErrorCode.UNAUTHORIZED, `the secret for device "${deviceId}" is missing; send it as Authorization: Bearer <secret>.`);
    const result = await services.deviceAuthenticator.check({ deviceId, secret: token, secretHash: device.secretHash, source });
    switch (result.verdict) {
      case "ok": return { role: "device", deviceId, secretHash: device.secretHash };
      case "throttled":
        noteRetryAfter(result.retryAfterMs);
        throw joinError(ErrorCode.RATE_LIMITED, guessingBackoffSentence(result.retryAfterMs));
      case "busy":
        throw joinError(ErrorCode.SERVER_BUSY, "too many device secrets are being checked right now; try again in a second.");
      default:
        throw joinError(ErrorCode.UNAUTHORIZED, `the secret for device "${deviceId}" is wrong.`);
    }
  }
  if (role !== undefined && role !== JoinRole.USER) {
    throw joinError(ErrorCode.UNAUTHORIZED, `unknown role ${JSON.stringify(role)}; users omit role, devices send role: "device".`);
  }
  const identity = await services.userTokens.verify(token);
  if ("problem" in identity) throw joinError(ErrorCode.UNAUTHORIZED, `${identity.problem}. Send a user JWT as Authorization: Bearer <token>.`);
  return { role: "user", deviceId, ...identity };
}
