/**
 * The seam between the HTTP API and the device rooms: what a route may ask of a device's
 * room — its live status, a force-release — and nothing else. It goes through
 * `matchMaker.remoteRoomCall`, which calls the room directly when it lives in this process
 * and over the presence (Redis) when it lives in another, so the routes need no change when
 * Baton runs as several processes. Arguments and answers are plain JSON for that reason.
 *
 * A device with no room right now has no live status (the caller reads the stored state),
 * and a force-release creates its room first: a session restored from the store is ended by
 * the same rules as a live one.
 */
import { matchMaker } from "@colyseus/core";
import { DEVICE_ROOM_NAME } from "@baton/protocol";
import type { AvailabilityCommand, DeviceStatus, UserRef } from "../../session/index.ts";
import type { FirmwareUpdateRecord } from "../../session/firmwareUpdate.ts";

export interface LiveDeviceStatus extends DeviceStatus {
  /** Connected user connections (spectators and the holder). */
  viewers: number;
  /** The firmware of the device's last `hello` (issue 23). */
  firmware?: string;
  /** Free stack of the device's tasks, from its last heartbeat (bytes). */
  stackFree?: { main: number; ota?: number };
}

/** A live room's answer after an update request changed (null record: none). */
export interface FirmwareUpdateAnswer {
  record: FirmwareUpdateRecord | null;
  /** The connected device's firmware (null: not connected, or no hello yet). */
  firmware: string | null;
}

export interface ForceReleaseAnswer {
  /** False when nobody held the device (nothing was done). */
  released: boolean;
  /** The epoch of the session that was ended (or the current one when nothing was held). */
  epoch: number;
  holder: UserRef | null;
}

/** A device's line, for admins (GET /admin/devices/:deviceId/queue). */
export interface QueueListing {
  deviceId: string;
  /** When the open offer ends (0 = none). */
  handoffUntil: number;
  entries: { position: number; userId: string; name: string; since: number; sessionType: string | null; offered: boolean; away: boolean }[];
}

export interface LiveRooms {
  /** Device ids that have a room now, anywhere in the cluster. */
  liveDeviceIds(): Promise<Set<string>>;
  /** The room's status, or null when the device has no room. */
  status(deviceId: string): Promise<LiveDeviceStatus | null>;
  forceRelease(deviceId: string, by: UserRef, reason: string): Promise<ForceReleaseAnswer>;
  /** Drain, quarantine or return to service, through the device's room (created if needed); answers the new status. */
  setAvailability(deviceId: string, command: AvailabilityCommand): Promise<LiveDeviceStatus>;
  /** The line, or null when the device has no room (then nobody waits: a room outlives its queue). */
  queue(deviceId: string): Promise<QueueListing | null>;
  /**
   * Tells the device's room, if it has one, that its stored update request changed: a connected
   * device gets the offer now. Null when it has no room (it reads the request when one is created).
   */
  firmwareUpdateChanged(deviceId: string): Promise<FirmwareUpdateAnswer | null>;
  /** The device's bookings changed in the store: its room (if it has one) reads them again. */
  bookingsChanged(deviceId: string): Promise<void>;
}

export const colyseusLiveRooms: LiveRooms = {
  async liveDeviceIds() {
    const rooms = await matchMaker.query({ name: DEVICE_ROOM_NAME });
    return new Set(rooms.map((room) => room.roomId));
  },
  async status(deviceId) {
    // Ask only a room that exists: a call to a missing room waits for the IPC timeout.
    const [room] = await matchMaker.query({ name: DEVICE_ROOM_NAME, roomId: deviceId });
    if (!room) return null;
    try {
      return (await matchMaker.remoteRoomCall(deviceId, "liveStatus")) as LiveDeviceStatus;
    } catch {
      return null; // the room went away between the query and the call
    }
  },
  async forceRelease(deviceId, by, reason) {
    const [room] = await matchMaker.query({ name: DEVICE_ROOM_NAME, roomId: deviceId });
    // Another request may create it at the same moment; its room lock lets only one win, and either will do.
    if (!room) await matchMaker.createRoom(DEVICE_ROOM_NAME, { deviceId }).catch(() => undefined);
    return (await matchMaker.remoteRoomCall(deviceId, "forceRelease", [by, reason])) as ForceReleaseAnswer;
  },
  async setAvailability(deviceId, command) {
    const [room] = await matchMaker.query({ name: DEVICE_ROOM_NAME, roomId: deviceId });
    if (!room) await matchMaker.createRoom(DEVICE_ROOM_NAME, { deviceId }).catch(() => undefined);
    return (await matchMaker.remoteRoomCall(deviceId, "setAvailability", [command])) as LiveDeviceStatus;
  },
  async firmwareUpdateChanged(deviceId) {
    const [room] = await matchMaker.query({ name: DEVICE_ROOM_NAME, roomId: deviceId });
    if (!room) return null;
    try {
      return (await matchMaker.remoteRoomCall(deviceId, "firmwareUpdateChanged")) as FirmwareUpdateAnswer;
    } catch {
      return null; // the room went away: the next one reads the stored request
    }
  },
  async queue(deviceId) {
    const [room] = await matchMaker.query({ name: DEVICE_ROOM_NAME, roomId: deviceId });
    if (!room) return null;
    try {
      return (await matchMaker.remoteRoomCall(deviceId, "queueListing")) as QueueListing;
    } catch {
      return null;
    }
  },
  async bookingsChanged(deviceId) {
    const [room] = await matchMaker.query({ name: DEVICE_ROOM_NAME, roomId: deviceId });
    if (!room) return; // a room reads its bookings when it is created
    try {
      await matchMaker.remoteRoomCall(deviceId, "reloadBookings");
    } catch {
      // the room went away between the query and the call
    }
  },
};
