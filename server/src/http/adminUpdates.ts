/**
 * Over-the-air updates, the admin routes (issue 23; firmware/README.md "Over-the-air updates"):
 * - GET  /admin/devices/:deviceId/update          the latest request and where it stands, and the device's firmware
 * - POST /admin/devices/:deviceId/update          { url, version, sha256 }: offer this image to the device
 * - POST /admin/devices/:deviceId/update/cancel   withdraw the pending request
 * The request is stored first (an offline device gets it in its next `welcome`, after a
 * restart too), audited, and then the device's live room, if any, offers it at once. The
 * device does not answer; its next `hello` records the request applied or failed
 * (session/firmwareUpdate.ts). The URL is admin input the device fetches: the device checks
 * it against its own URL policy and the image against the SHA-256 (docs/SECURITY.md).
 */
import express from "express";
import { z } from "zod";
import { ErrorCode } from "@baton/protocol";
import { FirmwareUpdateState } from "@baton/protocol/http";
import { FirmwareUpdateOffer } from "@baton/protocol/messages";
import { DeviceIdSchema } from "../auth/deviceRegistry.ts";
import { AuditAction, type FirmwareUpdateRecord } from "../ports/store.ts";
import { cancelled, newRequest } from "../session/firmwareUpdate.ts";
import type { RoomServices } from "../rooms/services.ts";
import { requireAdmin } from "./authenticate.ts";
import { answerWith, guarded, parseOrRefuse, refuse } from "./respond.ts";

export const RequestUpdateBody = FirmwareUpdateOffer;
const EmptyBody = z.strictObject({});

/** The firmware the device last reported: its live room's, else the stored state's ("" = never). */
async function currentFirmware(services: RoomServices, deviceId: string): Promise<string> {
  const live = await services.liveRooms.status(deviceId);
  if (live?.firmware !== undefined) return live.firmware;
  return (await services.deviceStates.load(deviceId))?.device.firmware ?? "";
}

export function adminUpdateRoutes(services: RoomServices) {
  const router = express.Router();
  const answer = answerWith(services);

  async function stateOf(deviceId: string, record?: FirmwareUpdateRecord | null) {
    const update = record === undefined ? (await services.store.firmwareUpdates.find(deviceId)) ?? null : record;
    return { deviceId, update, firmware: await currentFirmware(services, deviceId) };
  }

  router.get("/admin/devices/:deviceId/update", guarded(services.logger, "GET /admin/devices/:deviceId/update", async (request, response) => {
    if (!(await requireAdmin(services, request, response, "read firmware updates"))) return;
    const deviceId = parseOrRefuse(DeviceIdSchema, request.params.deviceId, response, "Device id");
    if (!deviceId) return;
    if (!(await services.registry.find(deviceId))) return refuse(response, ErrorCode.UNKNOWN_DEVICE, { deviceId });
    answer(response, FirmwareUpdateState, await stateOf(deviceId));
  }));

  router.post("/admin/devices/:deviceId/update", guarded(services.logger, "POST /admin/devices/:deviceId/update", async (request, response) => {
    const admin = await requireAdmin(services, request, response, "update device firmware");
    if (!admin) return;
    const deviceId = parseOrRefuse(DeviceIdSchema, request.params.deviceId, response, "Device id");
    if (!deviceId) return;
    const body = parseOrRefuse(RequestUpdateBody, request.body ?? {}, response, "Body");
    if (!body) return;
    if (!(await services.registry.find(deviceId))) return refuse(response, ErrorCode.UNKNOWN_DEVICE, { deviceId });
    const now = services.clock();
    const record = newRequest(deviceId, body, admin.userId, now, await currentFirmware(services, deviceId));
    await services.store.firmwareUpdates.request(record);
    await services.audit.record({ at: now, actor: admin.userId, action: AuditAction.UPDATE_REQUESTED, deviceId, detail: { version: record.version, url: record.url, sha256: record.sha256, fromVersion: record.fromVersion } });
    const live = await services.liveRooms.firmwareUpdateChanged(deviceId);
    answer(response, FirmwareUpdateState, await stateOf(deviceId, live ? live.record : undefined), 202);
  }));

  router.post("/admin/devices/:deviceId/update/cancel", guarded(services.logger, "POST /admin/devices/:deviceId/update/cancel", async (request, response) => {
    const admin = await requireAdmin(services, request, response, "cancel firmware updates");
    if (!admin) return;
    const deviceId = parseOrRefuse(DeviceIdSchema, request.params.deviceId, response, "Device id");
    if (!deviceId || !parseOrRefuse(EmptyBody, request.body ?? {}, response, "Body")) return;
    if (!(await services.registry.find(deviceId))) return refuse(response, ErrorCode.UNKNOWN_DEVICE, { deviceId });
    const now = services.clock();
    const withdrawn = cancelled(await services.store.firmwareUpdates.find(deviceId), admin.userId, now);
    if (!withdrawn || !(await services.store.firmwareUpdates.update(withdrawn))) return refuse(response, ErrorCode.NOT_FOUND, { reason: "firmwareUpdate", deviceId });
    await services.audit.record({ at: now, actor: admin.userId, action: AuditAction.UPDATE_CANCELLED, deviceId, detail: { version: withdrawn.version } });
    const live = await services.liveRooms.firmwareUpdateChanged(deviceId);
    answer(response, FirmwareUpdateState, await stateOf(deviceId, live ? live.record : undefined));
  }));

  return router;
}
