/**
 * Devices with their live status — "who has it, since when" without joining a room.
 * - GET /devices?kind=&status=&limit=&after=  every registered device, sorted by id, paged
 * - GET /devices/:deviceId                    one device, with its declared session types and input schemas
 * Any user with a valid token may read them: they show what a spectator sees (holder name,
 * phase, progress), never inputs or outputs. A device with a room answers from the room
 * (rooms/operator/liveRooms.ts); one without a room from its stored state, offline, with the
 * durable availability record (a drain or quarantine set with the CLI). Each status has the
 * queue's length and the device's availability; who waits is for admins
 * (GET /admin/devices/:deviceId/queue).
 */
import express from "express";
import { z } from "zod";
import { ErrorCode } from "@baton/protocol";
import { DeviceDetails, DeviceList, type DeviceSummary } from "@baton/protocol/http";
import { DeviceIdSchema } from "../auth/deviceRegistry.ts";
import { poolOf, type RegisteredDevice } from "../ports/store.ts";
import type { RoomServices } from "../rooms/services.ts";
import type { LiveDeviceStatus } from "../rooms/operator/liveRooms.ts";
import { deviceStatusOf, initialState } from "../session/index.ts";
import { requireUser } from "./authenticate.ts";
import { answerWith, guarded, parseOrRefuse, refuse } from "./respond.ts";

export const DeviceStatusFilter = z.enum(["online", "offline", "free", "held", "disabled"]);

export const DeviceListQuery = z.strictObject({
  kind: z.string().min(1).max(64).optional(),
  status: DeviceStatusFilter.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** The last device id of the previous page. */
  after: DeviceIdSchema.optional(),
});

export function deviceRoutes(services: RoomServices) {
  const router = express.Router();
  const answer = answerWith(services);

  /** Live status from the room, else the stored state (offline: nothing is connected without a room). */
  async function statusOf(deviceId: string, live: Set<string>): Promise<LiveDeviceStatus> {
    const fromRoom = live.has(deviceId) ? await services.liveRooms.status(deviceId) : null;
    if (fromRoom) return fromRoom;
    const stored = (await services.deviceStates.load(deviceId)) ?? initialState(deviceId, 0);
    const status = deviceStatusOf(stored);
    const record = await services.store.availability.find(deviceId);
    const availability = record && record.since >= status.availability.since ? { status: record.status, reason: record.reason, since: record.since, by: record.by } : status.availability;
    return { ...status, availability, online: false, connection: "disconnected", viewers: 0, ...(stored.device.firmware ? { firmware: stored.device.firmware } : {}) };
  }

  function describe(device: RegisteredDevice, status: LiveDeviceStatus): DeviceSummary {
    return {
      deviceId: device.deviceId,
      label: device.label,
      kind: device.kind,
      pool: poolOf(device),
      disabled: device.disabledAt !== null,
      disabledAt: device.disabledAt,
      createdAt: device.createdAt,
      status,
    };
  }

  router.get("/devices", guarded(services.logger, "GET /devices", async (request, response) => {
    if (!(await requireUser(services, request, response))) return;
    const query = parseOrRefuse(DeviceListQuery, request.query, response, "Query");
    if (!query) return;
    const live = await services.liveRooms.liveDeviceIds();
    const candidates = (await services.registry.list())
      .filter((device) => !query.kind || device.kind === query.kind)
      .filter((device) => !query.after || device.deviceId > query.after)
      .sort((a, b) => (a.deviceId < b.deviceId ? -1 : 1));
    const devices: DeviceSummary[] = [];
    let more = false;
    for (const device of candidates) {
      if (devices.length === query.limit) {
        more = true;
        break;
      }
      const described = describe(device, await statusOf(device.deviceId, live));
      if (query.status && !matches(query.status, described)) continue;
      devices.push(described);
    }
    answer(response, DeviceList, { devices, ...(more ? { next: devices[devices.length - 1].deviceId } : {}) });
  }));

  router.get("/devices/:deviceId", guarded(services.logger, "GET /devices/:deviceId", async (request, response) => {
    if (!(await requireUser(services, request, response))) return;
    const deviceId = parseOrRefuse(DeviceIdSchema, request.params.deviceId, response, "Device id");
    if (!deviceId) return;
    const device = await services.registry.find(deviceId);
    if (!device) return refuse(response, ErrorCode.UNKNOWN_DEVICE, { deviceId });
    const live = await services.liveRooms.liveDeviceIds();
    answer(response, DeviceDetails, { ...describe(device, await statusOf(deviceId, live)), sessionTypes: device.sessionTypes });
  }));

  return router;
}

function matches(filter: z.infer<typeof DeviceStatusFilter>, device: { disabled: boolean; status: LiveDeviceStatus }): boolean {
  switch (filter) {
    case "online": return device.status.online;
    case "offline": return !device.status.online;
    case "free": return device.status.holder === null;
    case "held": return device.status.holder !== null;
    case "disabled": return device.disabled;
  }
}
