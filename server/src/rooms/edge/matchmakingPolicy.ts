/**
 * Which matchmaking calls a device room serves, decided before Colyseus acts on them.
 *
 * Colyseus exposes five methods over HTTP and passes the caller's options to `onAuth`; the
 * options are the caller's *claim*, not the room being joined. Baton's rules:
 * - `joinOrCreate` — everyone; the only way a device room comes into being, and the only
 *   method a device uses;
 * - `join` and `joinById` — users (a spectator joining an existing room); for `joinById`,
 *   the options' `deviceId` must be the room in the URL (it is filled in when absent);
 * - `reconnect` — users (the SDK's reconnection); `deviceId`, if sent, must match too;
 * - `create` — nobody: a client could otherwise make a second room for a device.
 * Join options are reduced to the fields Baton reads, so a reservation holds nothing else.
 * A joinOrCreate that lost the creation race (`DEVICE_ROOM_EXISTS` from the room lock) is
 * tried again: by then the room exists and is joined.
 *
 * Pool rooms (`pool`, found by their `pool` listing field; rooms/pool/PoolRoom.ts) are for users only: the same
 * four methods, options reduced to `{ pool }` (a valid pool name; for `joinById`/`reconnect`
 * it must be the pool of the room in the URL), and a device is refused whatever it asks.
 */
import { matchMaker } from "@colyseus/core";
import { ErrorCode, JoinRole, POOL_ROOM_NAME } from "@baton/protocol";
import { PoolName } from "@baton/protocol/messages";
import { guessingBackoffSentence, joinError, joinStatus } from "./joinAuth.ts";
import type { DeviceAuthenticator } from "../../auth/deviceAuthenticator.ts";
import type { Refusal } from "../../http/requestGuard.ts";
import { retryAfterSeconds } from "./retryAfter.ts";

type Method = "joinOrCreate" | "create" | "join" | "joinById" | "reconnect";
const USER_METHODS: ReadonlySet<string> = new Set<Method>(["joinOrCreate", "join", "joinById", "reconnect"]);
const DEVICE_METHODS: ReadonlySet<string> = new Set<Method>(["joinOrCreate"]);
const CREATE_RACE_RETRIES = 3;

let installed = false;

/** Wraps Colyseus' matchmaking controller once per process. */
export function installMatchmakingPolicy(): void {
  if (installed) return;
  installed = true;
  const controller = matchMaker.controller;
  const invoke = controller.invokeMethod.bind(controller);
  controller.invokeMethod = async (method: string, roomNameOrId: string, clientOptions: unknown = {}, authOptions?: unknown) => {
    const options = admit(method, roomNameOrId, clientOptions, await poolOfRoom(method, roomNameOrId));
    for (let attempt = 0; ; attempt++) {
      try {
        return await invoke(method, roomNameOrId, options, authOptions as never);
      } catch (error) {
        const message = String((error as Error).message);
        const lostCreateRace = method === "joinOrCreate" && (message.startsWith(`${ErrorCode.DEVICE_ROOM_EXISTS}:`) || message.startsWith(`${ErrorCode.POOL_ROOM_EXISTS}:`));
        if (lostCreateRace && attempt < CREATE_RACE_RETRIES) {
          await new Promise((resolve) => setTimeout(resolve, 20 * (attempt + 1)));
          continue;
        }
        throw translateSeatError(error);
      }
    }
  };
}

/** The options Colyseus may act on, or a refusal. */
/**
 * `roomPool`: for joinById/reconnect, the pool of the room in the URL when it is a pool room
 * (null otherwise; see `poolOfRoom`).
 */
export function admit(method: string, roomNameOrId: string, clientOptions: unknown, roomPool: string | null = null): Record<string, unknown> {
  const raw = (typeof clientOptions === "object" && clientOptions !== null && !Array.isArray(clientOptions) ? clientOptions : {}) as Record<string, unknown>;
  if (roomPool !== null || roomNameOrId === POOL_ROOM_NAME) return admitToPool(method, roomNameOrId, raw, roomPool);
  const isDevice = raw.role === JoinRole.DEVICE;
  const allowed = isDevice ? DEVICE_METHODS : USER_METHODS;
  if (!allowed.has(method)) {
    throw joinError(ErrorCode.METHOD_NOT_ALLOWED, { reason: isDevice ? "deviceMethod" : "deviceRoomMethod", method: method.slice(0, 32) });
  }
  const options: Record<string, unknown> = {};
  if (raw.deviceId !== undefined) options.deviceId = raw.deviceId;
  if (raw.role !== undefined) options.role = raw.role;
  if (method === "reconnect" && raw.reconnectionToken !== undefined) options.reconnectionToken = raw.reconnectionToken;
  if (method === "joinById" || method === "reconnect") {
    // Here the URL names the room; the options must not claim another one.
    options.deviceId ??= roomNameOrId;
    if (options.deviceId !== roomNameOrId) {
      throw joinError(ErrorCode.WRONG_ROOM, { reason: "optionsNameDevice", deviceId: String(options.deviceId).slice(0, 64), roomId: roomNameOrId.slice(0, 64) });
    }
  }
  return options;
}

/** For joinById/reconnect: the pool of the room named in the URL, when that room is a pool room (its id is Colyseus' own). */
async function poolOfRoom(method: string, roomNameOrId: string): Promise<string | null> {
  if (method !== "joinById" && method !== "reconnect") return null;
  const [listing] = await matchMaker.query({ roomId: roomNameOrId }).catch(() => []);
  return listing?.name === POOL_ROOM_NAME ? String((listing as unknown as { pool?: unknown }).pool ?? "") : null;
}

function admitToPool(method: string, roomNameOrId: string, raw: Record<string, unknown>, roomPool: string | null): Record<string, unknown> {
  if (raw.role === JoinRole.DEVICE) {
    throw joinError(ErrorCode.METHOD_NOT_ALLOWED, { reason: "deviceInPool" });
  }
  if (!USER_METHODS.has(method)) {
    throw joinError(ErrorCode.METHOD_NOT_ALLOWED, { reason: "poolRoomMethod", method: method.slice(0, 32) });
  }
  const byId = roomPool !== null;
  const pool = raw.pool ?? (byId ? roomPool : undefined);
  if (!PoolName.safeParse(pool).success) {
    throw joinError(ErrorCode.INVALID_MESSAGE, { reason: "poolJoinOptions" });
  }
  if (byId && pool !== roomPool) {
    throw joinError(ErrorCode.WRONG_ROOM, { reason: "optionsNamePool", pool: String(pool).slice(0, 64), roomPool });
  }
  const options: Record<string, unknown> = { pool };
  if (method === "reconnect" && raw.reconnectionToken !== undefined) options.reconnectionToken = raw.reconnectionToken;
  return options;
}

/** Colyseus reports a refused seat as "<room> is already full": say which limit and what to do. */
function translateSeatError(error: unknown): unknown {
  const message = String((error as Error)?.message ?? "");
  if (/is already full/.test(message)) {
    return joinError(ErrorCode.ROOM_FULL, { reason: "noSeat" });
  }
  return error;
}

/** A device join from an address that is backing off is refused before matchmaking starts (see requestGuard's `screen`). */
export async function screenDeviceJoin(authenticator: DeviceAuthenticator, source: string, token: string | undefined, body: Record<string, unknown>): Promise<Refusal | null> {
  if (body.role !== JoinRole.DEVICE) return null;
  const waitMs = await authenticator.holdOff(source, body.deviceId, token);
  if (waitMs === 0) return null;
  return { status: joinStatus(ErrorCode.RATE_LIMITED), code: ErrorCode.RATE_LIMITED, sentence: guessingBackoffSentence(waitMs), retryAfterSeconds: retryAfterSeconds(waitMs) };
}
