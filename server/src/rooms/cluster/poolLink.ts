/**
 * The two calls between pool rooms and device rooms, both through
 * `matchMaker.remoteRoomCall` (direct in this process, over the presence on Redis in a
 * cluster), with plain JSON arguments and answers:
 * - pool → device: `claimIfFree(user, request)` — the device room's core decides a claim
 *   like any other; the answer is the grant (with its epoch) or the refusal (code + sentence);
 * - device → pool: `deviceFreed(deviceId)` — a hint that a device of the pool became free,
 *   best effort (a lost hint costs at most BATON_POOL_RETRY_MS: the pool retries anyway).
 *
 * A device with no room is offline (a connected device is always in its room), so the pool
 * asks only devices that have one and never creates device rooms.
 */
import { matchMaker } from "@colyseus/core";
import { DEVICE_ROOM_NAME, ErrorCode, POOL_ROOM_NAME, renderError } from "@baton/protocol";
import { PoolName } from "@baton/protocol/messages";
import { poolOf } from "../../ports/devices.ts";
import type { DeviceRegistry, RegisteredDevice } from "../../ports/store.ts";
import type { ClaimAnswer, PoolRequest, UserRef } from "../../session/index.ts";

/**
 * The lock key of a pool room in the room-lock port: ':' is not in the device-id alphabet, so
 * it cannot meet a device's key. (The roomId itself is Colyseus' own random id: the transport
 * only routes ids in the device-id alphabet, where any fixed prefix could be a device's id.
 * The room is found by its `pool` listing field, which `filterBy(["pool"])` records.)
 */
export function poolLockKey(pool: string): string {
  return `pool:${pool}`;
}

/** The roomId of a pool's room anywhere in the cluster, or null when it has none. */
export async function findPoolRoomId(pool: string): Promise<string | null> {
  const [room] = await matchMaker.query({ name: POOL_ROOM_NAME, pool } as never);
  return room?.roomId ?? null;
}

/** Asks a device's room for a conditional claim; every failure to reach it is a refusal (the pool asks the next device). */
export async function claimIfFree(deviceId: string, user: UserRef, request: PoolRequest): Promise<ClaimAnswer> {
  const [room] = await matchMaker.query({ name: DEVICE_ROOM_NAME, roomId: deviceId });
  if (!room) return { granted: false, code: ErrorCode.DEVICE_OFFLINE, message: renderError(ErrorCode.DEVICE_OFFLINE, { reason: "notConnected", deviceId }) };
  // The arguments travel as JSON; a request that cannot is refused as the request's fault, not the device's.
  try {
    JSON.stringify([user, request]);
  } catch {
    return { granted: false, code: ErrorCode.INVALID_MESSAGE, message: renderError(ErrorCode.INVALID_MESSAGE, { reason: "notPlainJson" }) };
  }
  try {
    const answer = (await matchMaker.remoteRoomCall(deviceId, "claimIfFree", [user, request])) as ClaimAnswer;
    return answer?.granted === true ? { granted: true, epoch: Number(answer.epoch) } : { granted: false, code: String(answer?.code ?? ErrorCode.DEVICE_BUSY), message: String(answer?.message ?? "") };
  } catch (error) {
    return { granted: false, code: ErrorCode.DEVICE_OFFLINE, message: renderError(ErrorCode.DEVICE_OFFLINE, { reason: "roomUnreachable", deviceId, problem: String((error as Error)?.message ?? error).slice(0, 120) }) };
  }
}

/** The registered, enabled devices of a pool, sorted. */
export async function poolMembers(registry: DeviceRegistry, pool: string): Promise<string[]> {
  return (await registry.list()).filter((device) => device.disabledAt === null && poolOf(device) === pool).map((device) => device.deviceId).sort();
}

/** The pool a registered device's freed hints go to, or null when it is in none (or its name is not a pool's). */
export function hintedPool(device: Pick<RegisteredDevice, "pool" | "kind"> | undefined): string | null {
  const pool = device ? poolOf(device) : "";
  return PoolName.safeParse(pool).success ? pool : null;
}

/**
 * Tells the device's pool room (if one lives anywhere) that the device is free now; never
 * throws. `pool` is the device room's copy of the registry's pool (`hintedPool`), refreshed at
 * every registry poll, not read per claim: a hint sent to a pool the device just left, or not
 * sent to the one it just joined, is a lost hint, which the pool's retry covers.
 */
export async function notifyDeviceFreed(pool: string | null, deviceId: string): Promise<void> {
  if (pool === null) return;
  try {
    const roomId = await findPoolRoomId(pool);
    if (roomId) await matchMaker.remoteRoomCall(roomId, "deviceFreed", [deviceId]);
  } catch {
    // A hint only: the pool retries on its own deadline.
  }
}
