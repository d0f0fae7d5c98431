/**
 * Who may join a device room, decided at HTTP matchmaking (Colyseus' static onAuth) so a
 * refused client never opens a socket. Users bring a JWT; a device brings its own id and
 * secret and may join only its own room. Refusals carry a Baton error code at the start of
 * the message (`UNAUTHORIZED: …`), since the HTTP status is Colyseus' own.
 */
import { ServerError } from "@colyseus/core";
import { ErrorCode, JoinRole, type ErrorCodeName } from "../../../shared/protocol.ts";
import { isValidDeviceId } from "../auth/deviceRegistry.ts";
import type { DeviceRegistry } from "../ports/store.ts";
import type { DeviceAuthenticator } from "../auth/deviceAuthenticator.ts";
import type { UserTokens } from "../auth/userTokens.ts";

/** HTTP status per join refusal (the matchmaking route answers with the ServerError code as status). */
const JOIN_STATUS: Partial<Record<ErrorCodeName, number>> = {
  [ErrorCode.UNAUTHORIZED]: 401,
  [ErrorCode.UNKNOWN_DEVICE]: 404,
  [ErrorCode.ROOM_FULL]: 503,
};

export function joinError(code: ErrorCodeName, message: string): ServerError {
  return new ServerError(JOIN_STATUS[code] ?? 400, `${code}: ${message}`);
}

export type JoinAuth =
  | { role: "device"; deviceId: string }
  | { role: "user"; deviceId: string; userId: string; name: string; roles: string[] };

export interface JoinAuthServices {
  registry: DeviceRegistry;
  deviceAuthenticator: DeviceAuthenticator;
  userTokens: UserTokens;
}

export async function authorizeJoin(token: string | undefined, options: unknown, services: JoinAuthServices): Promise<JoinAuth> {
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
    const verdict = token ? await services.deviceAuthenticator.check(deviceId, token, device.secretHash) : "wrong_secret";
    if (verdict === "locked_out") {
      throw joinError(ErrorCode.UNAUTHORIZED, `too many wrong secrets for device "${deviceId}"; try again in a minute.`);
    }
    if (verdict !== "ok") throw joinError(ErrorCode.UNAUTHORIZED, `the secret for device "${deviceId}" is missing or wrong.`);
    return { role: "device", deviceId };
  }
  if (role !== undefined && role !== JoinRole.USER) {
    throw joinError(ErrorCode.UNAUTHORIZED, `unknown role ${JSON.stringify(role)}; users omit role, devices send role: "device".`);
  }
  const identity = await services.userTokens.verify(token);
  if ("problem" in identity) throw joinError(ErrorCode.UNAUTHORIZED, `${identity.problem}. Send a user JWT as Authorization: Bearer <token>.`);
  return { role: "user", deviceId, ...identity };
}
